import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../src/db/embedded-postgres.js';

// As root, PostgreSQL runs as `postgres`, which cannot enter a 0700 folder such as /root or a mktemp clone.
test('as root, a DATA_DIR inside a private folder still works (cluster kept where postgres can reach it)', { skip: process.getuid?.() !== 0 ? 'only meaningful as root' : false }, async () => {
  const privateFolder = await fs.mkdtemp(path.join(os.tmpdir(), 'wsp-private-'));
  assert.equal((await fs.stat(privateFolder)).mode & 0o777, 0o700);
  const dataDir = path.join(privateFolder, 'data');
  const server = await startEmbeddedPostgres({ dataDir, log: () => undefined });
  try {
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    const { rows } = await client.query<{ n: number }>('select 1 as n');
    await client.end();
    assert.equal(rows[0]?.n, 1);
    const note = await fs.readFile(path.join(dataDir, 'postgres-location.txt'), 'utf8');
    assert.match(note, /\/var\/lib\/webstream-portal\/clusters\//);
  } finally {
    await server.stop();
    const note = await fs.readFile(path.join(dataDir, 'postgres-location.txt'), 'utf8').catch(() => '');
    const cluster = /kept in (\S+),/.exec(note)?.[1];
    if (cluster !== undefined) await fs.rm(cluster, { recursive: true, force: true });
    await fs.rm(privateFolder, { recursive: true, force: true });
  }
});
