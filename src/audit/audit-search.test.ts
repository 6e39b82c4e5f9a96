import assert from 'node:assert/strict';
import { test } from 'node:test';
import { csvCell, csvLine } from './audit-csv.js';
import { decodeCursor, encodeCursor } from '../core/keyset-cursor.js';
import { parseAuditFilter } from './audit-filter.js';

test('a filter reads events, event families, actor kinds or actors, any written form of an account ID, and dates', () => {
  const parsed = parseAuditFilter({ event: 'licence.', actor: 'staff', account: '1234-5678 9012', from: '2026-12-01', to: '2026-12-02T12:00:00Z' });
  assert.deepEqual(parsed, {
    ok: true,
    filter: { event: 'licence.', actor: 'staff', awsAccountId: '123456789012', from: new Date('2026-12-01T00:00:00Z'), to: new Date('2026-12-02T12:00:00Z') },
  });
  assert.deepEqual(parseAuditFilter({ actor: 'staff:ann@example.com' }), { ok: true, filter: { actor: 'staff:ann@example.com' } });
  assert.deepEqual(parseAuditFilter({ event: ' ', account: '' }), { ok: true, filter: {} });
});

test('bad filter values are named, each beside its field', () => {
  const parsed = parseAuditFilter({ event: 'DROP TABLE', actor: 'a b', account: '12345', from: 'yesterday', to: '' });
  assert.ok(!parsed.ok);
  assert.deepEqual(Object.keys(parsed.problems).sort(), ['account', 'actor', 'event', 'from']);
  assert.match(parsed.problems.account ?? '', /exactly 12 digits/);
  const backwards = parseAuditFilter({ from: '2026-12-02', to: '2026-12-01' });
  assert.deepEqual(backwards, { ok: false, problems: { to: 'The end must come after the start.' } });
});

test('cursors round-trip, and a forged one starts from the newest', () => {
  const cursor = { at: new Date('2026-12-03T07:00:00.123Z'), id: '981234' };
  assert.deepEqual(decodeCursor(encodeCursor(cursor)), cursor);
  const uuid = { at: cursor.at, id: '0f8fad5b-d9cb-469f-a165-70867728950e' };
  assert.deepEqual(decodeCursor(encodeCursor(uuid)), uuid);
  for (const bad of [undefined, '', 'x', "2026-12-03T07:00:00.123Z_1'; drop", '2026-13-45T07:00:00.123Z_1']) assert.equal(decodeCursor(bad), undefined, String(bad));
});

test('CSV cells are quoted when needed, and a formula never runs in a spreadsheet', () => {
  assert.equal(csvCell('plain'), 'plain');
  assert.equal(csvCell(42), '42');
  assert.equal(csvCell(null), '');
  assert.equal(csvCell('a,b'), '"a,b"');
  assert.equal(csvCell('say "hi"'), '"say ""hi"""');
  assert.equal(csvCell('two\nlines'), '"two\nlines"');
  for (const formula of ['=HYPERLINK("http://evil")', '+1+1', '-2+3', '@SUM(A1)', '\tx', '\rx']) {
    const cell = csvCell(formula);
    assert.ok(cell.startsWith("'") || cell.startsWith(`"'`), `${JSON.stringify(formula)} → ${cell}`);
  }
  assert.equal(csvCell('=1+1'), "'=1+1");
  assert.equal(csvLine(['a', null, '=x,y']), `a,,"'=x,y"\r\n`);
});
