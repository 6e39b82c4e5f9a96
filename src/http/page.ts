import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { VNode } from 'preact';
import { renderDocument } from '../web/render.js';
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
  };
}

/** Only same-site paths are ever followed after sign-in: never an open redirect. */
export function safeReturnPath(next: unknown, fallback = '/portal/entitlements'): string {
  if (typeof next !== 'string') return fallback;
  // One leading slash, no protocol-relative "//host" or "/\host", no control characters.
  if (!/^\/(?![/\\])[^\s\\]*$/.test(next) || next.length > 512) return fallback;
  try {
    const parsed = new URL(next, 'http://portal.invalid');
    if (parsed.origin !== 'http://portal.invalid') return fallback;
    return parsed.pathname + parsed.search;
  } catch {
    return fallback;
  }
}
