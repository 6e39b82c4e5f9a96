import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { VNode } from 'preact';
import { renderDocument } from '../core/render.js';
import type { ViewContext } from '../web/view-context.js';
import { noticeText } from '../web/notices.js';

declare module 'fastify' {
  interface FastifyReply {
    /** Sends a server-rendered page. */
    page(page: VNode, status?: number): FastifyReply;
  }
}

export function installPageHelpers(app: FastifyInstance): void {
  app.decorateReply('page', function (this: FastifyReply, page: VNode, status = 200) {
    // Pages show account data: never cache them in shared or browser caches.
    return this.code(status).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(renderDocument(page));
  });
}

/** What every page needs: the signed-in account, a CSRF token for its forms, and a notice from ?notice=. */
export function viewContext(req: FastifyRequest, reply: FastifyReply): ViewContext {
  const query = req.query as { notice?: unknown } | undefined;
  return {
    csrfToken: reply.generateCsrf(),
    account: req.portalSession ? { awsAccountId: req.portalSession.awsAccountId } : undefined,
    notice: typeof query?.notice === 'string' ? noticeText(query.notice) : undefined,
    currentPath: req.url.split('?')[0] ?? req.url,
  };
}

/** Where a return path may lead: the portal's own pages (the admin panel will pass its own prefix). */
export const PORTAL_RETURN_PREFIXES: readonly string[] = ['/portal/'];

/**
 * Only the portal's own paths are ever followed after sign-in: never an open redirect. The check is made on
 * the normalised result, because the URL parser folds dot-segments ("/.//evil", "/portal/%2e%2e/..//evil")
 * into a protocol-relative "//evil" that a browser follows off-site.
 */
export function safeReturnPath(next: unknown, fallback = '/portal/entitlements', allowedPrefixes: readonly string[] = PORTAL_RETURN_PREFIXES): string {
  if (typeof next !== 'string' || next.length > 512) return fallback;
  // One leading slash, no backslash (browsers read it as a slash), no whitespace or control characters.
  if (!/^\/[^\s\\\p{Cc}]*$/u.test(next)) return fallback;
  const normalised = sameSitePath(next);
  if (normalised === undefined || !allowedPrefixes.some((prefix) => normalised.startsWith(prefix))) return fallback;
  // Normalising again must not move it (a path that changes twice is not one we follow).
  return sameSitePath(normalised) === normalised ? normalised : fallback;
}

/** The path and query a browser would request for `path` on this site, dot-segments resolved. */
function sameSitePath(path: string): string | undefined {
  try {
    const parsed = new URL(path, 'http://portal.invalid');
    return parsed.origin === 'http://portal.invalid' ? parsed.pathname + parsed.search : undefined;
  } catch {
    return undefined;
  }
}
