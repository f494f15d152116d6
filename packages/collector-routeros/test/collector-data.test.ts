import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CollectError, CollectorRegistry, systemClock } from '@pollfleet/core';
import type { Clock, CollectContext, DeviceSpec } from '@pollfleet/core';
import { RouterOsCollector, registerRouterOsCollector } from '@pollfleet/collector-routeros';
import type { RouterOsData, RouterOsOptions } from '@pollfleet/collector-routeros';
import { MemorySharedState, testLogger } from '@pollfleet/testing';
import { RouterOsSimulator } from '@pollfleet/testing/routeros-simulator';
import type { SimulatedRouter } from '@pollfleet/testing/routeros-simulator';
import { collectContext, routerDevice } from './helpers.js';

// One time source for the simulator's counters and the collector's samples: exact rates.
let now = Date.UTC(2026, 0, 1);
const clock: Clock = { now: () => now, setTimeout: (fn, ms) => systemClock.setTimeout(fn, ms) };

const EXTRAS = [
  { name: 'addresses', command: '/ip/address', proplist: ['address', 'interface', 'disabled'] },
  { name: 'ppp', command: '/ppp/active', proplist: ['name', 'address'] },
  { name: 'wireless', command: '/interface/wireless/registration-table', proplist: [] },
];

const ctx = (): CollectContext => collectContext({ scheduledFor: now });

describe('RouterOS collector data, RouterOS 6.49 and 7.18', () => {
  let sim: RouterOsSimulator;
  let collector: RouterOsCollector;
  const device = (r: SimulatedRouter, id: string): DeviceSpec<RouterOsOptions> =>
    routerDevice(collector, r, id, { extras: EXTRAS });
  const poll = async (i: number) =>
    (await collector.collect(device(sim.router(i), `r${i}`), ctx())).data;

  before(async () => {
    sim = await RouterOsSimulator.start({
      routers: [
        { version: '7.18.2' },
        { version: '6.49.10' },
        { version: '7.16.1', routerboard: false },
      ],
      now: () => now,
    });
    collector = new RouterOsCollector({
      logger: testLogger(),
      clock,
      sharedState: new MemorySharedState(),
    });
  });
  after(async () => {
    await collector.close();
    await sim.close();
  });

  it('registers as the "routeros" collector type on port 8728', () => {
    const registry = registerRouterOsCollector(new CollectorRegistry());
    const c = registry.get('routeros', {
      logger: testLogger(),
      clock,
      sharedState: new MemorySharedState(),
    });
    assert.equal(c?.type, 'routeros');
    assert.equal(c?.defaultPort, 8728);
    assert.equal(
      collector.defaultPortFor(collector.parseOptions({ transport: 'api-ssl' }, 'x')),
      8729,
    );
  });

  it('normalises /system/resource, identity and routerboard the same way for 6 and 7', async () => {
    const [v7, v6] = [await poll(0), await poll(1)];
    const uptime = 604800 + 2 * 86400 + 3 * 3600 + 4 * 60 + 5; // the simulator booted 1w2d03:04:05 ago
    assert.deepEqual(v7.system, {
      identity: `sim-${sim.router(0).port}`,
      version: '7.18.2',
      channel: 'stable',
      majorVersion: 7,
      uptimeSeconds: uptime,
      boardName: 'RB5009UG+S+',
      architecture: 'arm64',
      platform: 'MikroTik',
      cpu: { model: 'ARM64', count: 4, frequencyMhz: 1400, loadPercent: v7.system.cpu.loadPercent },
      memory: { freeBytes: 823132160, totalBytes: 1073741824 },
      hdd: { freeBytes: 940572672, totalBytes: 1073741824 },
    });
    assert.equal(typeof v7.system.cpu.loadPercent, 'number');
    assert.equal(v6.system.version, '6.49.10');
    assert.equal(v6.system.channel, 'long-term');
    assert.equal(v6.system.majorVersion, 6);
    assert.equal(v6.system.uptimeSeconds, uptime);
    assert.equal(v6.system.memory.totalBytes, 67108864);
    assert.deepEqual(v6.routerboard, {
      model: 'RB951Ui-2HnD',
      serialNumber: 'HD1234567',
      firmwareType: 'ar9344',
      currentFirmware: '6.49.10',
      upgradeFirmware: '6.49.10',
    });
    assert.equal(v7.routerboard?.model, 'RB5009UG+S+');
  });

  it('hides the two health shapes behind one list of sensors with units', async () => {
    const expected = [
      { name: 'voltage', value: 24.1, unit: 'V' },
      { name: 'temperature', value: 35, unit: 'C' },
      { name: 'cpu-temperature', value: 48, unit: 'C' },
      { name: 'fan1-speed', value: 3000, unit: 'RPM' },
      { name: 'psu1-state', value: 'ok', unit: null },
    ];
    assert.deepEqual((await poll(0)).health, expected);
    assert.deepEqual((await poll(1)).health, expected);
  });

  it('gives numbered sensors (board-temperature1, voltage2) the same units on 6 and 7', async () => {
    const sensors = [
      { name: 'board-temperature1', value: '41', type: 'C' },
      { name: 'board-temperature2', value: '39', type: 'C' },
      { name: 'voltage2', value: '12.1', type: 'V' },
      { name: 'psu1-voltage', value: '53.4', type: 'V' },
      { name: 'psu2-current2', value: '1.2', type: 'A' },
      { name: 'fan2-speed', value: '5220', type: 'RPM' },
      { name: 'power-consumption1', value: '23.5', type: 'W' },
      { name: 'fan-state', value: 'ok', type: '' },
    ];
    const own = await RouterOsSimulator.start({
      routers: [
        { version: '7.18.2', sensors },
        { version: '6.49.10', sensors },
      ],
      now: () => now,
    });
    try {
      const [v7, v6] = await Promise.all(
        [0, 1].map(async (i) => {
          const d = routerDevice(collector, own.router(i), `numbered-${i}`);
          return (await collector.collect(d, ctx())).data.health;
        }),
      );
      assert.deepEqual(v6, v7);
      assert.deepEqual(
        v6?.map((x) => [x.name, x.unit]),
        sensors.map((x) => [x.name, x.type === '' ? null : x.type]),
      );
    } finally {
      collector.forget('numbered-0');
      collector.forget('numbered-1');
      await own.close();
    }
  });

  it('reports a CHR (no routerboard, no sensors) with nulls, not errors', async () => {
    const chr = await poll(2);
    assert.equal(chr.routerboard, null);
    assert.deepEqual(chr.health, []);
  });

  it('reads interface counters and computes rates from the previous sample', async () => {
    collector.forget('r0');
    const first = await poll(0);
    const e1 = first.interfaces[0];
    assert.equal(first.interfaces.length, 4);
    assert.equal(e1?.name, 'ether1');
    assert.equal(e1?.type, 'ether');
    assert.equal(e1?.mtu, 1500);
    assert.equal(e1?.macAddress, '4C:5E:0C:00:00:01');
    assert.equal(e1?.running, true);
    assert.equal(first.interfaces[3]?.disabled, true);
    assert.equal(e1?.txErrors, 1);
    assert.equal(e1?.rxDrops, 2);
    assert.equal(first.interfaces[2]?.linkDowns, 2);
    assert.equal(e1?.rxBitsPerSecond, null, 'no rate on the first sample');
    now += 10_000;
    const second = await poll(0);
    const e2 = second.interfaces[0];
    assert.equal((e2?.rxBytes ?? 0) - (e1?.rxBytes ?? 0), 1_250_000);
    assert.equal(e2?.rxBitsPerSecond, 1_000_000); // 125 000 B/s
    assert.equal(e2?.txBitsPerSecond, 500_000);
    assert.equal(e2?.rxPacketsPerSecond, 125);
    assert.equal(second.interfaces[1]?.rxBitsPerSecond, 2_000_000);
    assert.equal(second.sampledAt - first.sampledAt, 10_000);
  });

  it('nulls the rates when uptime went back or grew less than the time between polls', async () => {
    const own = await RouterOsSimulator.start({ routers: 1, now: () => now });
    const r = own.router(0);
    const d = routerDevice(collector, r, 'reboot');
    const ether1 = (p: RouterOsData) => p.interfaces.find((i) => i.name === 'ether1');
    // A reboot drops the connection: the first poll after it may find the old one closed.
    const pollAfterReboot = async (): Promise<RouterOsData> => {
      for (let attempt = 0; ; attempt++) {
        try {
          return (await collector.collect(d, ctx())).data;
        } catch (err) {
          if (attempt >= 3 || !(err instanceof CollectError) || err.kind !== 'transient') throw err;
        }
      }
    };
    try {
      const before = (await collector.collect(d, ctx())).data;
      // Reboots, is back for 60 s with traffic fast enough to end above the old counters.
      const upBefore = before.system.uptimeSeconds ?? 0;
      now += 90_000;
      const scale = Math.ceil((2 * upBefore) / 60);
      r.reboot({ uptimeSeconds: 60, trafficScale: scale });
      const afterReboot = await pollAfterReboot();
      assert.ok((afterReboot.system.uptimeSeconds ?? Infinity) < upBefore);
      assert.ok((ether1(afterReboot)?.rxBytes ?? 0) > (ether1(before)?.rxBytes ?? 0));
      assert.equal(ether1(afterReboot)?.rxBitsPerSecond, null, 'uptime went back: no rate');
      now += 10_000;
      const next = (await collector.collect(d, ctx())).data;
      assert.equal(ether1(next)?.rxBitsPerSecond, 1_000_000 * scale, 'rates again after it');

      // Polled 10 s after a reboot; 100 s later it has rebooted again and been up 50 s: uptime
      // and counters are above the previous poll's, but uptime grew 40 s in 100 s.
      r.reboot({ uptimeSeconds: 10 });
      const low = await pollAfterReboot();
      now += 100_000;
      r.reboot({ uptimeSeconds: 50 });
      const grewLess = await pollAfterReboot();
      assert.ok((grewLess.system.uptimeSeconds ?? 0) > (low.system.uptimeSeconds ?? Infinity));
      assert.ok((ether1(grewLess)?.rxBytes ?? 0) > (ether1(low)?.rxBytes ?? 0));
      assert.equal(
        ether1(grewLess)?.rxBitsPerSecond,
        null,
        'uptime grew 40 s in 100 s: rebooted in between, no rate',
      );
    } finally {
      collector.forget('reboot');
      await own.close();
    }
  });

  it('runs the configured extras, with !empty, absent menus and values normalised', async () => {
    const v7 = await poll(0);
    const v6 = await poll(1);
    assert.deepEqual(v7.extras['addresses'], {
      ok: true,
      items: [
        { address: '192.0.2.1/24', interface: 'ether1', disabled: false },
        { address: '198.51.100.1/24', interface: 'ether2', disabled: false },
      ],
    });
    assert.deepEqual(v7.extras['ppp'], { ok: true, items: [] }); // !empty on 7.18
    assert.deepEqual(v6.extras['ppp'], { ok: true, items: [] });
    const w7 = v7.extras['wireless'];
    assert.equal(w7?.ok, false);
    assert.equal(w7.ok ? '' : w7.error.code, 'ROS_TRAP');
    const w6 = v6.extras['wireless'];
    assert.equal(w6?.ok && w6.items[0]?.['signal-strength'], '-61@HT20-7');
  });

  it('publishes JSON-serialisable data', async () => {
    const d = await poll(1);
    assert.deepEqual(JSON.parse(JSON.stringify(d)), d);
  });
});
