// The decision logic is pure: observations + stored watermarks in, actions out. No I/O here.
import { SyncedWatermark, decideConnection, describeChanges, inFlightOutcome, tableChangeReasons } from '../../orchestrator/src/decision';
import { TableObservation } from '../../orchestrator/src/source-probe';

function observed(overrides: Partial<TableObservation> = {}): TableObservation {
  return {
    schema: 'public',
    table: 'orders',
    cursorColumn: 'updated_at',
    exists: true,
    hasCursorColumn: true,
    cursorIndexed: true,
    cursor: '2024-05-01 10:00:00+00',
    modificationCount: '100',
    storageId: '16384',
    columnHash: 'aaa',
    ...overrides,
  };
}

const synced: SyncedWatermark = { cursorWatermark: '2024-05-01 10:00:00+00', modificationCount: '100', storageId: '16384', columnHash: 'aaa' };

describe('tableChangeReasons', () => {
  test('identical observation: no change', () => {
    expect(tableChangeReasons(observed(), synced)).toEqual([]);
  });
  test('never synced: sync once', () => {
    expect(tableChangeReasons(observed(), undefined)).toEqual(['never-synced']);
  });
  test('cursor moved forward', () => {
    expect(tableChangeReasons(observed({ cursor: '2024-05-01 10:00:01+00', modificationCount: '101' }), synced)).toEqual(['cursor-moved', 'rows-modified']);
  });
  test('cursor moved backwards (newest row deleted) still counts', () => {
    expect(tableChangeReasons(observed({ cursor: '2024-04-01 00:00:00+00' }), synced)).toContain('cursor-moved');
  });
  test('table emptied: cursor becomes null', () => {
    expect(tableChangeReasons(observed({ cursor: null }), synced)).toContain('cursor-moved');
  });
  test('row with an old cursor value or a delete: only the counters show it', () => {
    expect(tableChangeReasons(observed({ modificationCount: '101' }), synced)).toEqual(['rows-modified']);
  });
  test('counters going down (statistics reset) count as a change, never as "nothing happened"', () => {
    expect(tableChangeReasons(observed({ modificationCount: '0' }), synced)).toEqual(['rows-modified']);
  });
  test('truncate: new storage file', () => {
    expect(tableChangeReasons(observed({ storageId: '16999' }), synced)).toEqual(['storage-rewritten']);
  });
  test('columns changed', () => {
    expect(tableChangeReasons(observed({ columnHash: 'bbb' }), synced)).toEqual(['columns-changed']);
  });
  test('table without the cursor column: the cursor is ignored, the counters decide', () => {
    const noCursor = observed({ hasCursorColumn: false, cursor: null, cursorIndexed: false });
    expect(tableChangeReasons(noCursor, { ...synced, cursorWatermark: null })).toEqual([]);
    expect(tableChangeReasons({ ...noCursor, modificationCount: '105' }, { ...synced, cursorWatermark: null })).toEqual(['rows-modified']);
  });
  test('a missing table has no change reasons (it is reported as missing instead)', () => {
    expect(tableChangeReasons(observed({ exists: false }), synced)).toEqual([]);
  });
});

describe('decideConnection', () => {
  test('nothing changed: no sync, but the observed watermarks are still offered', () => {
    const decision = decideConnection([{ observation: observed(), synced }]);
    expect(decision.sync).toBe(false);
    expect(decision.refreshSchema).toBe(false);
    expect(decision.watermarks).toEqual([{ schema: 'public', table: 'orders', ...synced }]);
  });

  test('one changed table syncs the connection and records every table observed before the trigger', () => {
    const decision = decideConnection([
      { observation: observed({ cursor: 'later', modificationCount: '101' }), synced },
      { observation: observed({ table: 'customers' }), synced },
    ]);
    expect(decision.sync).toBe(true);
    expect(decision.changes).toEqual([{ schema: 'public', table: 'orders', reasons: ['cursor-moved', 'rows-modified'] }]);
    expect(decision.watermarks.map((w) => [w.table, w.cursorWatermark])).toEqual([
      ['orders', 'later'],
      ['customers', '2024-05-01 10:00:00+00'],
    ]);
  });

  test('column change requests a schema refresh; a first observation does not', () => {
    expect(decideConnection([{ observation: observed({ columnHash: 'new' }), synced }]).refreshSchema).toBe(true);
    expect(decideConnection([{ observation: observed({ columnHash: 'new' }), synced: undefined }]).refreshSchema).toBe(false);
  });

  test('missing tables are listed and excluded; the others still decide', () => {
    const decision = decideConnection([
      { observation: observed({ table: 'gone', exists: false, cursor: null, modificationCount: null, storageId: null, columnHash: null }), synced },
      { observation: observed({ modificationCount: '150' }), synced },
    ]);
    expect(decision.missingTables).toEqual([{ schema: 'public', table: 'gone', cursorColumn: 'updated_at' }]);
    expect(decision.sync).toBe(true);
    expect(decision.watermarks.map((w) => w.table)).toEqual(['orders']);
  });

  test('tables without a cursor index or cursor column are reported', () => {
    const decision = decideConnection([
      { observation: observed({ table: 'slow', cursorIndexed: false }), synced },
      { observation: observed({ table: 'plain', hasCursorColumn: false, cursorIndexed: false, cursor: null }), synced: { ...synced, cursorWatermark: null } },
    ]);
    expect(decision.tablesWithoutCursorIndex.map((t) => t.table)).toEqual(['slow']);
    expect(decision.tablesWithoutCursor.map((t) => t.table)).toEqual(['plain']);
  });
});

test('describeChanges is short and bounded', () => {
  const changes = Array.from({ length: 12 }, (_, i) => ({ schema: 's', table: `t${i}`, reasons: ['cursor-moved' as const] }));
  expect(describeChanges(changes.slice(0, 2))).toBe('s.t0: cursor-moved; s.t1: cursor-moved');
  expect(describeChanges(changes)).toMatch(/… and 2 more tables$/);
});

test.each([
  ['succeeded', 'record-success'],
  ['failed', 'record-failure'],
  ['cancelled', 'record-failure'],
  ['running', 'wait'],
  ['pending', 'wait'],
  ['queued', 'wait'],
  ['incomplete', 'wait'],
  ['some_future_state', 'wait'],
])('a job in status %s → %s', (status, outcome) => {
  expect(inFlightOutcome(status)).toBe(outcome);
});
