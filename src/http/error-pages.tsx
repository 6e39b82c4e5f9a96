import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import { Layout } from '../web/layout.js';
import { renderDocument } from '../core/render.js';
import { AppError } from '../core/errors.js';
import { viewContext } from './page.js';

function wantsJson(req: FastifyRequest): boolean {
  return req.url.startsWith('/api/') || req.url === '/healthz' || req.url === '/readyz';
}

function ErrorPage({ title, message, req, reply }: { title: string; message: string; req: FastifyRequest; reply: FastifyReply }) {
  return (
    <Layout title={title} ctx={viewContext(req, reply)} narrow>
      <div class="card">
        <h1>{title}</h1>
        <p>{message}</p>
        <p>
          <a href="/portal/entitlements">Go to My Entitlements</a>
        </p>
      </div>
    </Layout>
  );
}

/** What a plugin's own 4xx says: its status, and a sentence about what to do, never the plugin's internals. */
function clientErrorText(status: number): { status: number; code: string; title: string; message: string } {
  if (status === 403) return { status, code: 'forbidden', title: 'Not allowed', message: 'This address cannot be opened. Check the link, or start from My Entitlements.' };
  if (status === 404) return { status, code: 'not_found', title: 'Page not found', message: 'There is no page at this address. Check the link, or start from My Entitlements.' };
  if (status === 405) return { status, code: 'method_not_allowed', title: 'Request refused', message: 'This address does not accept that kind of request. Go back and try again.' };
  return { status, code: 'bad_request', title: 'Request not understood', message: 'The request was not in the expected format. Go back and try again.' };
}

/** One mapping from errors to responses: pages get a friendly page, the API JSON; internals never leak. */
function answerError(error: FastifyError | AppError, req: FastifyRequest, reply: FastifyReply) {
  let status = 500;
  let code = 'internal_error';
  let message = 'Something went wrong on our side. Please try again in a moment.';
  let title = 'Something went wrong';
  if (error instanceof AppError) {
    ({ status, code, message } = error);
    title = status === 404 ? 'Page not found' : status === 403 ? 'Not allowed' : 'Request refused';
  } else if (error.code === 'FST_CSRF_INVALID_TOKEN' || error.code === 'FST_CSRF_MISSING_SECRET') {
    status = 403;
    code = 'csrf_failed';
    title = 'Form expired';
    message = 'This form has expired or was not sent from the portal. Go back, reload the page and try again.';
  } else if (error.validation !== undefined || error.statusCode === 400 || error.statusCode === 415 || error.statusCode === 413) {
    status = error.statusCode ?? 400;
    code = 'bad_request';
    title = 'Request not understood';
    message = 'The form was incomplete or not in the expected format. Go back and try again.';
  } else if (error.statusCode === 429) {
    status = 429;
    code = 'too_many_requests';
    title = 'Too many requests';
    message = 'Too many requests. Please wait a moment and try again.';
  } else if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    // Any other refusal raised by a plugin (e.g. @fastify/static's 403 for "/assets/../x") keeps its status.
    ({ status, code, title, message } = clientErrorText(error.statusCode));
  } else if (isDatabaseUnavailable(error)) {
    // An outage, not a bug: one warning line per request, and the client is told when to come back.
    status = 503;
    code = 'unavailable';
    title = 'Temporarily unavailable';
    message = 'The portal is temporarily unavailable. Please try again in a minute.';
    reply.header('retry-after', '30');
  }
  if (status === 503) req.log.warn({ code, reason: error.message }, 'database unavailable');
  else if (status >= 500) req.log.error({ err: error }, 'request failed');
  else req.log.info({ code }, 'request refused');
  if (wantsJson(req)) return reply.code(status).send({ error: { code, message } });
  return reply.page(<ErrorPage title={title} message={message} req={req} reply={reply} />, status);
}

/**
 * Fastify's own routing errors (a URL that cannot be decoded, "/%ff") come before any hook or decorator, so
 * the page is rendered bare: nobody is signed in yet and there is no form on it.
 */
export function answerRoutingError(error: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
  req.log.info({ code: error.code }, 'request refused');
  if (wantsJson(req)) return reply.code(status).header('cache-control', 'no-store').send({ error: { code: 'bad_request', message: 'The address is not a valid URL.' } });
  const ctx = { csrfToken: '', account: undefined, notice: undefined };
  const page = (
    <Layout title="Request not understood" ctx={ctx} narrow>
      <div class="card">
        <h1>Request not understood</h1>
        <p>This address is not a valid URL. Check the link, or start from My Entitlements.</p>
        <p>
          <a href="/portal/entitlements">Go to My Entitlements</a>
        </p>
      </div>
    </Layout>
  );
  return reply.code(status).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(renderDocument(page));
}

export function installErrorPages(app: FastifyInstance): void {
  app.setErrorHandler(answerError);
  app.setNotFoundHandler((req, reply) => {
    if (wantsJson(req)) return reply.code(404).send({ error: { code: 'not_found', message: 'Not found.' } });
    return reply.page(<ErrorPage title="Page not found" message="There is no page at this address. Check the link, or start from My Entitlements." req={req} reply={reply} />, 404);
  });
}
