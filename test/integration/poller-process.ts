import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A real poller process (apps/poller) started the way `npm start` starts it. */
export class PollerProcess {
  readonly child: ChildProcess;
  readonly lines: Record<string, unknown>[] = [];
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #waiters: {
    pred: (l: Record<string, unknown>) => boolean;
    resolve: (l: Record<string, unknown>) => void;
  }[] = [];

  constructor(env: Record<string, string>, args: string[] = []) {
    this.child = spawn(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', 'apps/poller/src/main.ts', ...args],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let buf = '';
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buf += chunk;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        try {
          const l = JSON.parse(line) as Record<string, unknown>;
          this.lines.push(l);
          this.#waiters = this.#waiters.filter((w) => (w.pred(l) ? (w.resolve(l), false) : true));
        } catch {
          this.stderr += `${line}\n`;
        }
      }
    });
    this.child.stderr!.setEncoding('utf8').on('data', (c: string) => (this.stderr += c));
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code, signal) => resolve({ code, signal })),
    );
  }

  /**
   * Resolves with the first log line matching `pred` (past or future); rejects after `ms`, which
   * only bounds a hung process: starting one through tsx takes over 30 s on a loaded 2-core box.
   */
  waitForLog(
    pred: (l: Record<string, unknown>) => boolean,
    ms = 120_000,
  ): Promise<Record<string, unknown>> {
    const seen = this.lines.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(
        () => reject(new Error(`no matching log line within ${ms} ms; stderr: ${this.stderr}`)),
        ms,
      );
      this.#waiters.push({ pred, resolve: (l) => (clearTimeout(t), resolve(l)) });
      void this.exited.then(() =>
        reject(new Error(`poller exited before the log line; stderr: ${this.stderr}`)),
      );
    });
  }

  running(): Promise<Record<string, unknown>> {
    return this.waitForLog((l) => l.msg === 'poller running');
  }

  kill(signal: NodeJS.Signals): void {
    if (this.child.exitCode === null) this.child.kill(signal);
  }
}
