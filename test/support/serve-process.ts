import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort } from './resources.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ServeProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
  /** SIGTERM, then the exit code. */
  stop: () => Promise<number | null>;
}

/** Real `serve` processes from source on one PostgreSQL (DATABASE_URL), each with its own DATA_DIR; `cleanUp` kills what is left. */
export function serveProcesses(options: { databaseUrl: () => string; env?: () => NodeJS.ProcessEnv; tmpPrefix: string }) {
  const children: ChildProcess[] = [];
  const dirs: string[] = [];
  return {
    async start(): Promise<ServeProcess> {
      const port = await freePort();
      const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), options.tmpPrefix));
      dirs.push(dataDir);
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        ...options.env?.(),
        DATABASE_URL: options.databaseUrl(),
        SECRET_KEY: 'serve-process-test-secret-key-0123456789abcdef',
        DATA_DIR: dataDir,
        PORT: String(port),
        LOG_LEVEL: 'warn',
      };
      for (const name of ['PUBLIC_URL', 'HOST', 'SMTP_URL', 'NODE_TEST_CONTEXT']) Reflect.deleteProperty(env, name);
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', 'serve'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      let output = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
      child.stderr.setEncoding('utf8').on('data', (c: string) => (output += c));
      const url = `http://127.0.0.1:${port}`;
      const stop = async () => {
        if (child.exitCode === null) child.kill('SIGTERM');
        return (child.exitCode ?? (await once(child, 'exit'))[0]) as number | null;
      };
      const deadline = Date.now() + 60_000;
      for (;;) {
        if (child.exitCode !== null) throw new Error(`a portal exited early:\n${output}`);
        const ready = await fetch(`${url}/readyz`).then((r) => r.ok, () => false);
        if (ready) return { child, url, output: () => output, stop };
        if (Date.now() > deadline) throw new Error(`a portal was not ready in time:\n${output}`);
        await sleep(200);
      }
    },
    async cleanUp(): Promise<void> {
      for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
      for (const dir of dirs) await fs.rm(dir, { recursive: true, force: true });
    },
  };
}
