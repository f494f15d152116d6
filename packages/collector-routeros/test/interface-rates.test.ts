import { it } from 'node:test';
import assert from 'node:assert/strict';
import { InterfaceRateTracker, REBOOT_UPTIME_MARGIN_MS } from '@pollfleet/collector-routeros';
import type { InterfaceCounters } from '@pollfleet/collector-routeros';

const ether1 = (rxBytes: number): InterfaceCounters => ({
  id: '*1',
  name: 'ether1',
  type: 'ether',
  mtu: 1500,
  macAddress: null,
  running: true,
  disabled: false,
  rxBytes,
  txBytes: rxBytes,
  rxPackets: null,
  txPackets: null,
  rxErrors: null,
  txErrors: null,
  rxDrops: null,
  txDrops: null,
  linkDowns: null,
});

it('keeps rates when uptime lags the wall time by less than the margin, nulls them past it', () => {
  const t = new InterfaceRateTracker();
  const rx = (at: number, bytes: number, uptime: number | null) =>
    t.sample('d', at, [ether1(bytes)], uptime)[0]?.rxBitsPerSecond;
  assert.equal(rx(0, 0, 1000), null);
  // 60 s later, uptime grew 1 s short of that (RouterOS 6 prints whole seconds): same router.
  assert.equal(rx(60_000, 60_000, 1059), 8000);
  // 60 s later again, uptime 1 ms short of the margin: still the same router.
  assert.equal(rx(120_000, 120_000, 1119 - REBOOT_UPTIME_MARGIN_MS / 1000 + 0.001), 8000);
  // 60 s later, uptime grew by 60 s minus more than the margin: it rebooted in between.
  const up = 1119 - REBOOT_UPTIME_MARGIN_MS / 1000 + 0.001;
  assert.equal(rx(180_000, 180_000, up + 60 - REBOOT_UPTIME_MARGIN_MS / 1000 - 0.001), null);
  // Unknown uptime on either side: only the counters decide.
  assert.equal(rx(240_000, 240_000, null), 8000);
  assert.equal(rx(300_000, 300_000, 5), 8000);
});
