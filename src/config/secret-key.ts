import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

/** In embedded mode without SECRET_KEY, a key is generated once and kept under DATA_DIR (mode 0600). */
export async function resolveSecretKey(configured: string | undefined, dataDir: string): Promise<string> {
  if (configured !== undefined) return configured;
  const file = path.join(dataDir, 'secret-key');
  const existing = await fs.readFile(file, 'utf8').catch(() => undefined);
  if (existing !== undefined && existing.trim().length >= 32) return existing.trim();
  await fs.mkdir(dataDir, { recursive: true });
  const key = randomBytes(48).toString('base64url');
  // 'wx' fails if another process created it first; then read theirs.
  await fs.writeFile(file, key, { mode: 0o600, flag: 'wx' }).catch(async () => undefined);
  return (await fs.readFile(file, 'utf8')).trim();
}
