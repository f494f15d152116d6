// The in-memory adapters against the port contracts the Redis and PostgreSQL ones also pass
// (packages/coordination-redis, bus-redis and inventory-postgres run the same suites): this
// is what lets the core's fake-clock tests trust them.
import {
  MemoryBreakerStore,
  MemoryBus,
  MemoryLeaseStore,
  MemorySharedState,
} from '@pollfleet/coordination-memory';
import { FakeClock, MemoryCredentials, MemoryInventory } from '@pollfleet/testing';
import {
  breakerStoreContract,
  inventoryContract,
  leaseStoreContract,
  resultsBusContract,
  sharedStateContract,
} from '@pollfleet/testing/contracts';

leaseStoreContract('MemoryLeaseStore', () => {
  const clock = new FakeClock();
  const store = new MemoryLeaseStore(clock);
  return Promise.resolve({
    store,
    otherPod: store,
    elapse: (ms) => clock.advance(ms),
    cleanup: () => Promise.resolve(),
  });
});

breakerStoreContract('MemoryBreakerStore', () => {
  const store = new MemoryBreakerStore();
  return Promise.resolve({ store, otherPod: store, cleanup: () => Promise.resolve() });
});

sharedStateContract('MemorySharedState', () => {
  const clock = new FakeClock();
  const store = new MemorySharedState(clock);
  return Promise.resolve({
    store,
    otherPod: store,
    elapse: (ms) => clock.advance(ms),
    cleanup: () => Promise.resolve(),
  });
});

resultsBusContract('MemoryBus', () => {
  const bus = new MemoryBus({ capacity: 100_000 });
  return Promise.resolve({
    bus,
    readAll: () => Promise.resolve([...bus.recent()]),
    cleanup: () => bus.close(),
  });
});

inventoryContract('MemoryInventory', () => {
  const inventory = new MemoryInventory();
  const credentials = new MemoryCredentials();
  let next = 1;
  return Promise.resolve({
    inventory,
    credentials,
    insert: (row) => Promise.resolve(inventory.put({ ...row, id: String(next++) }).id),
    update: (id, patch) => {
      inventory.put({ ...patch, id });
      return Promise.resolve();
    },
    remove: (id) => {
      inventory.delete(id);
      return Promise.resolve();
    },
    putSecret: (ref, secret) => {
      credentials.secrets.set(ref, secret);
      return Promise.resolve();
    },
    cleanup: () => inventory.close(),
  });
});
