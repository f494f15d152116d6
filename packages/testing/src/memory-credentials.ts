import { Credentials } from '@pollfleet/core';
import type { CredentialResolver } from '@pollfleet/core';

/** In-memory {@link CredentialResolver}. */
export class MemoryCredentials implements CredentialResolver {
  readonly secrets = new Map<string, Record<string, string>>();

  resolve(ref: string): Promise<Credentials | undefined> {
    const s = this.secrets.get(ref);
    return Promise.resolve(s ? new Credentials(s) : undefined);
  }
}
