import { hash, verify } from '@node-rs/argon2';

/** argon2id with the OWASP minimum parameters (19 MiB, t=2, p=1). */
// `algorithm: 2` is Algorithm.Argon2id (a const enum, which isolated modules cannot import).
const OPTIONS = { algorithm: 2, memoryCost: 19 * 1024, timeCost: 2, parallelism: 1 } as const;

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hashed: string, password: string): Promise<boolean>;
  /** Spends the same time as a real verification, for unknown accounts (no timing enumeration). */
  verifyDummy(password: string): Promise<void>;
}

export async function createPasswordHasher(): Promise<PasswordHasher> {
  const dummyHash = await hash('dummy-password-never-matches', OPTIONS);
  return {
    hash: (password) => hash(password, OPTIONS),
    verify: async (hashed, password) => {
      try {
        return await verify(hashed, password);
      } catch {
        return false;
      }
    },
    verifyDummy: async (password) => {
      await verify(dummyHash, password).catch(() => false);
    },
  };
}
