import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SnmpLab } from '@pollfleet/lab';
import type { SnmpLabDevice } from '@pollfleet/lab';
import {
  authArgs,
  expectedAt,
  FORMAT,
  ManualClock,
  parse,
  successor,
  target,
  tool,
} from './helpers.js';

const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);
const V3 = { user: 'labmon', authKey: 'lab-auth-pass', privKey: 'lab-priv-pass' };

describe('SnmpLab against the Net-SNMP C tools', () => {
  const clock = new ManualClock(T0);
  const lab = new SnmpLab({
    clock,
    devices: [
      { name: 'big-v2c', interfaces: 50, community: 'public', seed: 7 },
      { name: 'small-v3', interfaces: 3, cpus: 4, v3: V3, seed: 8 },
      { name: 'down', community: 'public', fault: 'unreachable' },
      { name: 'badpass', v3: V3, fault: 'wrong-credentials' },
      { name: 'badcommunity', community: 'public', fault: 'wrong-credentials' },
      { name: 'slow', community: 'public', fault: { slowMs: 20000 } },
    ],
  });
  let big: SnmpLabDevice;
  let v3: SnmpLabDevice;
  before(async () => {
    await lab.start();
    big = lab.device('big-v2c');
    v3 = lab.device('small-v3');
  });
  after(() => lab.stop());

  it("snmpbulkwalk (v2c) of a 50-interface device reads every instance, in order, with the model's values, and ends", async () => {
    const r = await tool('snmpbulkwalk', [
      ...authArgs(big),
      ...FORMAT,
      '-Cr25',
      target(big),
      '1.3.6.1',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const got = parse(r.stdout);
    const want = expectedAt(big.model, T0);
    // Walking from 1.3.6.1, the tools print the agent's endOfMibView after the last instance.
    assert.deepEqual(got.at(-1), { oid: want.at(-1)!.oid, type: 'endOfMibView', value: '' });
    assert.deepEqual(got.slice(0, -1), want);
    assert.equal(want.filter((w) => w.oid.startsWith('1.3.6.1.2.1.31.1.1.1.1.')).length, 50);
  });

  it("v3 authPriv (SHA/AES): snmpbulkwalk and snmpget read the model's values", async () => {
    const want = expectedAt(v3.model, T0);
    const walk = await tool('snmpbulkwalk', [
      ...authArgs(v3),
      ...FORMAT,
      target(v3),
      '1.3.6.1.2.1.31.1.1.1',
    ]);
    assert.equal(walk.code, 0, walk.stderr);
    assert.deepEqual(
      parse(walk.stdout),
      want.filter((w) => w.oid.startsWith('1.3.6.1.2.1.31.1.1.1.')),
    );
    const oids = [
      '1.3.6.1.2.1.1.3.0',
      '1.3.6.1.2.1.1.6.0',
      '1.3.6.1.2.1.25.3.3.1.2.196611',
      '1.3.6.1.4.1.2021.10.1.3.1',
    ];
    const get = await tool('snmpget', [...authArgs(v3), ...FORMAT, target(v3), ...oids]);
    assert.equal(get.code, 0, get.stderr);
    assert.deepEqual(
      parse(get.stdout),
      oids.map((o) => want.find((w) => w.oid === o)!),
    );
    // sysLocation is UTF-8 as given.
    const loc = parse(get.stdout)[1]!;
    assert.equal(Buffer.from(loc.value, 'hex').toString('utf8'), 'Zürich, Hönggerberg — rack Ø3');
  });

  it('GETNEXT follows lexicographic order across tables, from any OID, and ends in endOfMibView', async () => {
    const want = expectedAt(big.model, T0);
    const probes = [
      '1.3.6.1',
      '1.3.6.1.2.1.1.7.0', // system → ifNumber
      '1.3.6.1.2.1.2.2.1.12', // a column the table lacks → the next column
      '1.3.6.1.2.1.2.2.1.10.99', // past the last row of a column → next column's first row
      '1.3.6.1.2.1.2.2.1.10.3.7', // below an instance
      '1.3.6.1.2.1.2.2.1.20.50', // last ifTable cell → hrStorage (…25 < …31)
      '1.3.6.1.2.1.25.3.3.1.2.196609', // last processor → ifXTable
      '1.3.6.1.2.1.31.1.1.1.19.50', // last ifXTable cell → UCD laTable
      '1.3.6.1.4.1.2021.10.1.5.3', // the last instance
      '1.3.6.1.5', // beyond the tree
    ];
    const r = await tool('snmpgetnext', [...authArgs(big), ...FORMAT, target(big), ...probes]);
    assert.equal(r.code, 0, r.stderr);
    const got = parse(r.stdout);
    assert.equal(got.length, probes.length);
    probes.forEach((p, i) => {
      const next = successor(want, p);
      assert.deepEqual(got[i], next ?? { oid: p, type: 'endOfMibView', value: '' }, `getnext ${p}`);
    });
  });

  it('GETBULK answers N + M×R varbinds, row-interleaved, endOfMibView once a repeater passes the end', async () => {
    const want = expectedAt(big.model, T0);
    const args = [...authArgs(big), ...FORMAT, '-Cn1', '-Cr4', target(big)];
    const r = await tool('snmpbulkget', [
      ...args,
      '1.3.6.1.2.1.1.3', // non-repeater
      '1.3.6.1.2.1.31.1.1.1.6', // ifHCInOctets
      '1.3.6.1.2.1.31.1.1.1.10', // ifHCOutOctets
      '1.3.6.1.4.1.2021.10.1.5.1', // 2 rows left, then the end
    ]);
    assert.equal(r.code, 0, r.stderr);
    const got = parse(r.stdout);
    const expected = [successor(want, '1.3.6.1.2.1.1.3')!];
    const cursors = [
      '1.3.6.1.2.1.31.1.1.1.6',
      '1.3.6.1.2.1.31.1.1.1.10',
      '1.3.6.1.4.1.2021.10.1.5.1',
    ];
    for (let rep = 0; rep < 4; rep++) {
      cursors.forEach((c, j) => {
        const next = successor(want, c);
        if (next) {
          expected.push(next);
          cursors[j] = next.oid;
        } else expected.push({ oid: c, type: 'endOfMibView', value: '' });
      });
    }
    assert.equal(got.length, 1 + 4 * 3);
    assert.deepEqual(got, expected);
  });

  it('counters and CPU load move with the clock; values at one instant stay consistent', async () => {
    const oids = [
      '1.3.6.1.2.1.1.3.0',
      '1.3.6.1.2.1.31.1.1.1.6.1',
      '1.3.6.1.2.1.31.1.1.1.10.1',
      '1.3.6.1.2.1.2.2.1.10.1',
    ];
    const read = async (): Promise<bigint[]> => {
      const r = await tool('snmpget', [...authArgs(big), ...FORMAT, target(big), ...oids]);
      assert.equal(r.code, 0, r.stderr);
      return parse(r.stdout).map((p) => BigInt(p.value));
    };
    const first = await read();
    assert.deepEqual(await read(), first, 'same instant, same values');
    clock.advance(30000);
    const second = await read();
    assert.equal(second[0]! - first[0]!, 3000n, 'sysUpTime advanced 30 s');
    assert.ok(second[1]! > first[1]! && second[2]! > first[2]!, 'HC octet counters grew');
    const want = expectedAt(big.model, clock.now());
    assert.deepEqual(
      second.map(String),
      oids.map((o) => want.find((w) => w.oid === o)!.value),
    );
    clock.advance(-30000);
  });

  it('a wrong community gets no answer, as from a real agent', async () => {
    const r = await tool('snmpget', [
      '-v2c',
      '-c',
      'private',
      ...FORMAT,
      target(big),
      '1.3.6.1.2.1.1.5.0',
    ]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr + r.stdout, /Timeout: No Response/);
    const c = lab.device('badcommunity');
    const r2 = await tool('snmpget', [...authArgs(c), ...FORMAT, target(c), '1.3.6.1.2.1.1.5.0']);
    assert.match(r2.stderr + r2.stdout, /Timeout: No Response/);
  });

  it('v3: a wrong password, a wrong privacy key and an unknown user get the reports snmpd sends', async () => {
    const bad = lab.device('badpass');
    const wrongPass = await tool('snmpget', [
      ...authArgs(bad),
      ...FORMAT,
      target(bad),
      '1.3.6.1.2.1.1.5.0',
    ]);
    assert.notEqual(wrongPass.code, 0);
    assert.match(wrongPass.stderr, /Authentication failure/);
    const args = authArgs(v3);
    const wrongPriv = args.map((a) => (a === V3.privKey ? 'not-the-priv-key' : a));
    const priv = await tool('snmpget', [...wrongPriv, ...FORMAT, target(v3), '1.3.6.1.2.1.1.5.0']);
    assert.match(priv.stderr, /Decryption error/);
    const unknown = args.map((a) => (a === V3.user ? 'stranger' : a));
    const user = await tool('snmpget', [...unknown, ...FORMAT, target(v3), '1.3.6.1.2.1.1.5.0']);
    assert.match(user.stderr, /Unknown user name/);
  });

  it('an unreachable device never answers; a slow one answers only when its delay has passed', async () => {
    const down = lab.device('down');
    const r = await tool('snmpget', [
      ...authArgs(down),
      ...FORMAT,
      target(down),
      '1.3.6.1.2.1.1.5.0',
    ]);
    assert.match(r.stderr + r.stdout, /Timeout: No Response/);
    assert.ok(down.counters.received > 0 && down.counters.answered === 0);

    const slow = lab.device('slow');
    const pending = tool('snmpget', [
      ...authArgs(slow),
      '-On',
      '-t',
      '20',
      '-r',
      '0',
      target(slow),
      '1.3.6.1.2.1.1.5.0',
    ]);
    while (slow.counters.received === 0) await new Promise((res) => setImmediate(res));
    assert.equal(clock.pending, 1);
    clock.advance(19999);
    assert.equal(slow.counters.answered, 0, 'not before its delay');
    clock.advance(1);
    const answered = await pending;
    assert.equal(answered.code, 0, answered.stderr);
    assert.match(answered.stdout, /STRING: "slow"/);
    clock.advance(-20000);
  });
});
