import { randomBytes } from 'node:crypto';
import net from 'node:net';
import pg from 'pg';

/** A TCP port free on loopback right now (for servers a test starts on a port it must know in advance). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/** A new, empty database on the server at baseUrl (by default TEST_DATABASE_URL), and a way to drop it again. */
export async function createScratchDatabase(prefix = 'wsp_test', baseUrl = process.env.TEST_DATABASE_URL): Promise<{ url: string; drop: () => Promise<void> }> {
  if (baseUrl === undefined) throw new Error('TEST_DATABASE_URL is not set: run the tests with `npm test`.');
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const run = async (statement: string) => {
    const client = new pg.Client({ connectionString: baseUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await run(`create database ${name}`);
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => run(`drop database if exists ${name} with (force)`) };
}
