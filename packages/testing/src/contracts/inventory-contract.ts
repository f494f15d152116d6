import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CredentialResolver, DeviceRow, Inventory, InventoryChange } from '@pollfleet/core';

/** A device row as a test writes it (every column given, so no default is involved). */
export type InventoryRowInput = Omit<DeviceRow, 'id' | 'revision'>;

/** One implementation under test, fresh (empty) for each test. */
export interface InventorySubject {
  readonly inventory: Inventory;
  readonly credentials: CredentialResolver;
  /** Adds a row the way an operator does (an INSERT); resolves to its id. */
  readonly insert: (row: InventoryRowInput) => Promise<string>;
  readonly update: (id: string, patch: Partial<InventoryRowInput>) => Promise<void>;
  readonly remove: (id: string) => Promise<void>;
  readonly putSecret: (ref: string, secret: Record<string, string>) => Promise<void>;
  readonly cleanup: () => Promise<void>;
}

function row(name: string, over: Partial<InventoryRowInput> = {}): InventoryRowInput {
  return {
    name,
    collectorType: 'snmp',
    host: '192.0.2.10',
    port: 1161,
    intervalMs: 30_000,
    timeoutMs: 5_000,
    enabled: true,
    options: { version: '2c', oids: ['1.3.6.1.2.1.1.3.0'] },
    credentialsRef: 'lab-community',
    labels: { site: 'ams', rack: '4' },
    ...over,
  };
}

/** Only bounds a hung test; the assertion is what arrives, not how fast. */
const WATCH_DEADLINE_MS = 15_000;

class ChangeRecorder {
  readonly changes: InventoryChange[] = [];
  readonly errors: Error[] = [];
  #wake: (() => void) | undefined;
  readonly onChange = (c: InventoryChange): void => {
    this.changes.push(c);
    this.#wake?.();
  };
  readonly onError = (e: Error): void => {
    this.errors.push(e);
  };

  /** Resolves once every id was reported (or 'all') since change number `from`. */
  async untilReported(ids: readonly string[], from: number): Promise<void> {
    const deadline = Date.now() + WATCH_DEADLINE_MS;
    const reported = (): boolean => {
      const seen = this.changes.slice(from);
      return ids.every((id) => seen.some((c) => c === 'all' || c.includes(id)));
    };
    while (!reported()) {
      const left = deadline - Date.now();
      if (left <= 0) {
        assert.fail(`ids ${ids.join(',')} not reported; changes ${JSON.stringify(this.changes)}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }
}

const strip = ({ id: _id, revision: _revision, ...rest }: DeviceRow): InventoryRowInput => rest;

/**
 * What the reconciler relies on from an {@link Inventory} (and the poller from its
 * {@link CredentialResolver}): `listEnabled` is exactly the enabled rows, every column as
 * written; `getDevices` finds rows by id, enabled or not, and skips unknown ids; an update
 * moves the revision forward; `watch` reports the ids of inserted, updated and deleted rows;
 * credentials resolve by ref to their keys, unknown refs to undefined.
 */
export function inventoryContract(name: string, create: () => Promise<InventorySubject>): void {
  async function withSubject(body: (s: InventorySubject) => Promise<void>): Promise<void> {
    const s = await create();
    try {
      await body(s);
    } finally {
      await s.cleanup();
    }
  }

  describe(`Inventory contract: ${name}`, () => {
    it('lists exactly the enabled rows, every column as written', () =>
      withSubject(async ({ inventory, insert }) => {
        const full = row('full');
        const bare = row('bare', {
          port: null,
          options: {},
          credentialsRef: null,
          labels: {},
          collectorType: 'routeros',
        });
        const a = await insert(full);
        const b = await insert(bare);
        await insert(row('off', { enabled: false }));
        const listed = await inventory.listEnabled();
        assert.deepEqual(listed.map((r) => r.id).sort(), [a, b].sort());
        assert.deepEqual(strip(listed.find((r) => r.id === a)!), full);
        assert.deepEqual(strip(listed.find((r) => r.id === b)!), bare);
        for (const r of listed) {
          assert.equal(typeof r.id, 'string');
          assert.ok(Number.isFinite(r.revision), `revision ${r.revision}`);
        }
      }));

    it('gets rows by id, disabled ones too, skipping ids that do not exist', () =>
      withSubject(async ({ inventory, insert, remove }) => {
        const on = await insert(row('on'));
        const off = await insert(row('off', { enabled: false }));
        const gone = await insert(row('gone'));
        await remove(gone);
        const got = await inventory.getDevices([on, off, gone, '987654321', 'not-an-id']);
        assert.deepEqual(got.map((r) => r.id).sort(), [on, off].sort());
        assert.equal(got.find((r) => r.id === off)?.enabled, false);
        assert.deepEqual(await inventory.getDevices([]), []);
      }));

    it('moves the revision forward on every update', () =>
      withSubject(async ({ inventory, insert, update }) => {
        const id = await insert(row('r'));
        const [before] = await inventory.getDevices([id]);
        await update(id, { host: '192.0.2.11' });
        const [after] = await inventory.getDevices([id]);
        assert.equal(after?.host, '192.0.2.11');
        assert.ok(
          after && before && after.revision > before.revision,
          `${after?.revision} > ${before?.revision}`,
        );
        await update(id, { enabled: false });
        assert.deepEqual(await inventory.listEnabled(), []);
      }));

    it('reports the ids of inserted, updated and deleted rows to a watcher', () =>
      withSubject(async ({ inventory, insert, update, remove }) => {
        const rec = new ChangeRecorder();
        const watch = await inventory.watch(rec.onChange, rec.onError);
        try {
          let from = rec.changes.length;
          const id = await insert(row('w'));
          await rec.untilReported([id], from);
          from = rec.changes.length;
          await update(id, { intervalMs: 60_000 });
          await rec.untilReported([id], from);
          from = rec.changes.length;
          await remove(id);
          await rec.untilReported([id], from);
          assert.deepEqual(await inventory.getDevices([id]), []);
        } finally {
          await watch.close();
        }
      }));

    it('resolves credentials by ref, to every key, and an unknown ref to undefined', () =>
      withSubject(async ({ credentials, putSecret }) => {
        await putSecret('ros-admin', { username: 'admin', password: 'hunter2 ü' });
        const c = await credentials.resolve('ros-admin');
        assert.ok(c);
        assert.equal(c.get('username'), 'admin');
        assert.equal(c.get('password'), 'hunter2 ü');
        assert.equal(c.get('community'), undefined);
        assert.equal(await credentials.resolve('nope'), undefined);
      }));
  });
}
