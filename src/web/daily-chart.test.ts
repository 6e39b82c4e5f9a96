import assert from 'node:assert/strict';
import { test } from 'node:test';
import { layoutDailyChart } from './daily-chart.js';

test('bars stand on the axis, in their day and series, and scale to round gridlines', () => {
  const g = layoutDailyChart(
    [
      { name: 'ok', className: 'chart-ok', counts: [0, 10, 37] },
      { name: 'failed', className: 'chart-bad', counts: [1, 0, 2] },
    ],
    3,
  );
  assert.deepEqual(
    g.ticks.map((t) => t.value),
    [0, 10, 20, 30, 40],
  );
  assert.equal(g.bars.length, 6);
  for (const b of g.bars) assert.ok(Math.abs(b.y + b.height - g.plot.bottom) < 1e-9, 'on the axis');
  const tallest = g.bars.find((b) => b.value === 37);
  assert.ok(tallest !== undefined && tallest.y > g.plot.top - 1e-9 && tallest.y < g.plot.top + (g.plot.bottom - g.plot.top) * 0.1);
  const [day2ok, day2bad] = [g.bars.find((b) => b.series === 0 && b.day === 2), g.bars.find((b) => b.series === 1 && b.day === 2)];
  assert.ok(day2ok !== undefined && day2bad !== undefined && day2bad.x > day2ok.x, 'series side by side');
  assert.ok((g.bars.find((b) => b.day === 1)?.x ?? 0) > (g.bars.find((b) => b.day === 0 && b.series === 1)?.x ?? 0), 'days left to right');
});

test('an empty month draws an axis from 0 to 1, and 30 days get a few labels ending on the last day', () => {
  const empty = layoutDailyChart([{ name: 'x', className: 'chart-brand', counts: Array.from({ length: 30 }, () => 0) }], 30);
  assert.deepEqual(
    empty.ticks.map((t) => t.value),
    [0, 1],
  );
  assert.ok(empty.bars.every((b) => b.height === 0));
  assert.ok(empty.labels.length <= 8);
  assert.equal(empty.labels.at(-1)?.day, 29);
});
