import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRenderedListCache } from './rendered-list.cache.js';

const t0 = new Date('2026-05-01T00:00:00Z');
const later = (ms: number) => new Date(t0.getTime() + ms);

test('renders once per version, again when the version changes or the entry runs out', async () => {
  const cache = createRenderedListCache();
  let renders = 0;
  const render = (validUntil: Date | null) => async () => ({ html: `<p>render ${++renders}</p>`, validUntil });
  assert.equal(await cache.get('a', '1', t0, render(later(1000))), '<p>render 1</p>');
  assert.equal(await cache.get('a', '1', later(999), render(later(5000))), '<p>render 1</p>');
  assert.equal(await cache.get('a', '1', later(1000), render(later(5000))), '<p>render 2</p>', 'expired at validUntil');
  assert.equal(await cache.get('a', '2', later(1001), render(null)), '<p>render 3</p>', 'new version');
  assert.equal(await cache.get('a', '2', later(10 ** 12), render(null)), '<p>render 3</p>', 'no end: valid until the version changes');
  assert.equal(await cache.get('b', '2', t0, render(null)), '<p>render 4</p>', 'per account');
});

test('bounded: the least recently used account is dropped', async () => {
  const cache = createRenderedListCache(2);
  let renders = 0;
  const render = async () => ({ html: String(++renders), validUntil: null });
  await cache.get('a', '1', t0, render);
  await cache.get('b', '1', t0, render);
  await cache.get('a', '1', t0, render); // a is now the most recent
  await cache.get('c', '1', t0, render); // drops b
  assert.equal(await cache.get('a', '1', t0, render), '1');
  assert.equal(await cache.get('b', '1', t0, render), '4');
});
