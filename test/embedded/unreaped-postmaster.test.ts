/**
 * The embedded server after a crash in a container whose PID 1 reaps nothing: the killed postmaster stays
 * behind as a zombie, which `pg_ctl status` counts as a running server. The next start must see that it is
 * dead and start PostgreSQL again, rather than wait for a server that will never answer.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../src/db/embedded-postgres.js';
import { cleanUpAfter, freshDataDir, processState, waitFor } from '../support/portal-process.js';

cleanUpAfter(after);

void test('a postmaster left as an unreaped zombie does not count as running: the next start starts the server again', { timeout: 90_000 }, async () => {
  const dataDir = await freshDataDir();
  const pgData = path.join(dataDir, 'postgres');
  const first = await startEmbeddedPostgres({ dataDir, log: () => undefined });
  const lockFile = await fs.readFile(path.join(pgData, 'postmaster.pid'), 'utf8');
  const owner = await fs.stat(pgData);
  await first.stop();

  // A zombie owned like the postmaster: `sleep 0.1` ends under a parent (the exec'd `sleep 60`) that never waits for it.
  const asOwner = process.getuid?.() === 0 ? { uid: owner.uid, gid: owner.gid } : {};
  const parent = spawn('sh', ['-c', 'sleep 0.1 & echo $!; exec sleep 60'], { ...asOwner, stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    const [output] = (await once(parent.stdout, 'data')) as [Buffer];
    const zombie = Number(output.toString().trim());
    await waitFor(() => processState(zombie) === 'zombie', 5_000, () => `process ${zombie} did not become a zombie`);
    // The lock file as the killed server left it, naming the zombie.
    await fs.writeFile(path.join(pgData, 'postmaster.pid'), [String(zombie), ...lockFile.split('\n').slice(1)].join('\n'));

    const logged: string[] = [];
    const restarted = await startEmbeddedPostgres({ dataDir, log: (line) => logged.push(line) });
    try {
      assert.equal(restarted.startedHere, true, 'started, not "reused"');
      assert.match(logged.join('\n'), /killed and its process never reaped/);
      const client = new pg.Client({ connectionString: restarted.url });
      await client.connect();
      assert.equal((await client.query<{ one: number }>('select 1 as one')).rows[0]?.one, 1);
      await client.end();
    } finally {
      await restarted.stop();
    }
  } finally {
    parent.kill('SIGKILL');
  }
});
