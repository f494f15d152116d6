import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BudgetSpentError, walkColumns } from '@pollfleet/collector-snmp';
import type { SnmpRequester, SnmpVarbind } from '@pollfleet/collector-snmp';

const INT = 2;
const END = 130;
const vb = (oid: string, value: unknown = 1, type = INT): SnmpVarbind => ({ oid, type, value });

/** A scripted agent: each GETBULK returns the next answer; records what was asked. */
function scripted(answers: SnmpVarbind[][][]): SnmpRequester & { asked: string[][] } {
  const asked: string[][] = [];
  return {
    version: '2c',
    asked,
    get: () => Promise.reject(new Error('unused')),
    getNext: () => Promise.reject(new Error('unused')),
    getBulk: (oids) => {
      asked.push(oids);
      const a = answers.shift();
      return a ? Promise.resolve(a) : Promise.reject(new Error('walk did not stop'));
    },
  };
}

describe('walkColumns (several columns per GETBULK)', () => {
  it('stops each column at the end of its subtree and continues the others', async () => {
    const req = scripted([
      [
        [vb('1.1.1'), vb('1.1.2')],
        [vb('1.2.1'), vb('1.3.1')], // column 1.2 ends after one row
      ],
      [[vb('1.1.3'), vb('1.2.1')]],
    ]);
    const r = await walkColumns(req, ['1.1', '1.2'], 2);
    assert.deepEqual(req.asked, [['1.1', '1.2'], ['1.1.2']]);
    assert.deepEqual(
      r.columns.map((c) => c.map(([i]) => i)),
      [['1', '2', '3'], ['1']],
    );
    assert.equal(r.partial, false);
  });

  it('stops at endOfMibView', async () => {
    const req = scripted([[[vb('1.1.1'), vb('1.1.1', null, END)]]]);
    const r = await walkColumns(req, ['1.1'], 5);
    assert.equal(r.columns[0]!.length, 1);
  });

  it('a broken agent returning non-increasing OIDs cannot make the walk loop', async () => {
    const req = scripted([[[vb('1.1.5'), vb('1.1.3')]], [[vb('1.1.5')]]]);
    const r = await walkColumns(req, ['1.1'], 5);
    assert.deepEqual(
      r.columns[0]!.map(([i]) => i),
      ['5'],
    );
    assert.match(r.warnings[0]!, /non-increasing/);
    const same = scripted([[[vb('1.1.5')]], [[vb('1.1.5')]]]);
    const r2 = await walkColumns(same, ['1.1'], 1);
    assert.equal(r2.columns[0]!.length, 1);
    assert.equal(same.asked.length, 2);
  });

  it('an empty answer ends the walk with a warning instead of asking forever', async () => {
    const req = scripted([[[]]]);
    const r = await walkColumns(req, ['1.1'], 5);
    assert.equal(r.columns[0]!.length, 0);
    assert.equal(r.warnings.length, 1);
  });

  it('a spent budget keeps the rows gathered and marks the walk partial', async () => {
    let n = 0;
    const req: SnmpRequester = {
      version: '2c',
      get: () => Promise.reject(new Error('unused')),
      getNext: () => Promise.reject(new Error('unused')),
      getBulk: () =>
        n++ === 0 ? Promise.resolve([[vb('1.1.1')]]) : Promise.reject(new BudgetSpentError()),
    };
    const r = await walkColumns(req, ['1.1'], 1);
    assert.equal(r.partial, true);
    assert.equal(r.columns[0]!.length, 1);
  });
});
