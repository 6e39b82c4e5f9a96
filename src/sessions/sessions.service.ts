import type { Clock } from '../core/clock.js';
import type { Db } from '../db/database.js';
import { generateToken, hashToken } from '../core/tokens.js';
import type { SettingsRepo } from '../settings/settings.repo.js';
import type { SessionsRepo, SessionWithAccount } from './sessions.repo.js';

/** Last-seen is written at most this often, so browsing costs no write per request. */
const TOUCH_INTERVAL_MS = 60_000;

export interface SessionService {
  /** A fresh session with a new random token (rotation: never reuse a token from before sign-in). */
  create(accountId: string, client: { ip: string; userAgent: string }, trx?: Db): Promise<{ token: string; expiresAt: Date }>;
  validate(token: string, client: { ip: string }): Promise<SessionWithAccount | undefined>;
  invalidate(token: string): Promise<void>;
  invalidateAllForAccount(accountId: string, trx?: Db): Promise<void>;
  /** Ends every other session of the account: after a password or MFA change, and "sign out other sessions". */
  invalidateOthers(accountId: string, keepToken: string, trx?: Db): Promise<number>;
  listForAccount(accountId: string): ReturnType<SessionsRepo['listForAccount']>;
  /** Ends one session of the account by its public id. */
  endById(accountId: string, id: string, trx?: Db): Promise<boolean>;
  deleteExpired(): Promise<number>;
}

export function createSessionService(deps: { sessions: SessionsRepo; clock: Clock; settings: SettingsRepo }): SessionService {
  const repo = deps.sessions;
  return {
    async create(accountId, client, trx) {
      const token = generateToken();
      const now = deps.clock.now();
      const { sessionDurationSeconds } = await deps.settings.get();
      const expiresAt = new Date(now.getTime() + sessionDurationSeconds * 1000);
      await repo.insert({ tokenHash: hashToken(token), accountId, now, expiresAt, ip: client.ip, userAgent: client.userAgent }, trx);
      return { token, expiresAt };
    },

    async validate(token, client) {
      const session = await repo.findWithAccount(hashToken(token));
      if (session === undefined) return undefined;
      const now = deps.clock.now();
      if (session.expiresAt <= now) {
        await repo.delete(session.tokenHash);
        return undefined;
      }
      if (now.getTime() - session.lastSeenAt.getTime() > TOUCH_INTERVAL_MS) await repo.touch(session.tokenHash, now, client.ip);
      // Whether the lack of MFA matters is the portal's setting (cached 5 s per process).
      return { ...session, mfaSetupRequired: !session.hasMfa && (await deps.settings.get()).mfaRequiredForCustomers };
    },

    invalidate: (token) => repo.delete(hashToken(token)),
    invalidateAllForAccount: (accountId, trx) => repo.deleteAllForAccount(accountId, trx),
    invalidateOthers: (accountId, keepToken, trx) => repo.deleteOthers(accountId, hashToken(keepToken), trx),
    listForAccount: (accountId) => repo.listForAccount(accountId, deps.clock.now()),
    endById: (accountId, id, trx) => repo.deleteById(accountId, id, trx),
    deleteExpired: () => repo.deleteExpired(deps.clock.now()),
  };
}
