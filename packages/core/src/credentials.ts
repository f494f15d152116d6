import { inspect } from 'node:util';

const REDACTED = '[redacted]';

/**
 * Secrets for one device (community, v3 keys, password...). The values are reachable only
 * through {@link get}; logging, JSON-serialising or inspecting the object prints `[redacted]`,
 * so a secret cannot leak through a stray `logger.info({ creds })` or an error payload.
 */
export class Credentials {
  readonly #values: ReadonlyMap<string, string>;

  constructor(values: Readonly<Record<string, string>>) {
    this.#values = new Map(Object.entries(values));
  }

  get(key: string): string | undefined {
    return this.#values.get(key);
  }

  /** The value, or a CollectError-friendly throw naming the missing key (never its value). */
  require(key: string): string {
    const v = this.#values.get(key);
    if (v === undefined) throw new Error(`credential "${key}" is missing`);
    return v;
  }

  has(key: string): boolean {
    return this.#values.has(key);
  }

  keys(): string[] {
    return [...this.#values.keys()];
  }

  toJSON(): string {
    return REDACTED;
  }

  toString(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return `Credentials(${this.keys().join(', ')}: ${REDACTED})`;
  }
}

/**
 * Resolves a device row's `credentials_ref` into secrets. The operations stage adds an
 * encrypted store; the first implementations read a table or a map.
 */
export interface CredentialResolver {
  /** Undefined when no secret is stored under `ref`. */
  resolve(ref: string): Promise<Credentials | undefined>;
}
