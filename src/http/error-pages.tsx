import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ComponentChildren, VNode } from 'preact';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import { Layout } from '../web/layout.js';
import { renderDocument } from '../core/render.js';
import { AppError } from '../core/errors.js';
import { logAnswer } from './log-answer.js';

/** How a browser context shows an error: in its own layout, with a way back to its own start page. */
export interface ErrorPageArea {
  /** Where a lost visitor starts again, e.g. `{ href: '/portal/entitlements', label: 'My Entitlements' }`. */
  start: { href: string; label: string };
  /** The area's page around the error's text (its layout, navigation and session). */
  page: (props: { title: string; req: FastifyRequest; reply: FastifyReply; children: ComponentChildren }) => VNode;
}

interface ErrorText {
  status: number;
  code: string;
  title: string;
  message: string;
}

function ErrorCard({ title, message, start }: { title: string; message: string; start: ErrorPageArea['start'] }) {
  return (
    <div class="card">
      <h1>{title}</h1>
      <p>{message}</p>
      <p>
        <a href={start.href}>Go to {start.label}</a>
      </p>
    </div>
  );
}

/** What a plugin's own 4xx says: its status, and a sentence about what to do, never the plugin's internals. */
function clientErrorText(status: number, start: ErrorPageArea['start']): ErrorText {
  if (status === 403) return { status, code: 'forbidden', title: 'Not allowed', message: `This address cannot be opened. Check the link, or start from ${start.label}.` };
  if (status === 404) return { status, code: 'not_found', title: 'Page not found', message: `There is no page at this address. Check the link, or start from ${start.label}.` };
  if (status === 405) return { status, code: 'method_not_allowed', title: 'Request refused', message: 'This address does not accept that kind of request. Go back and try again.' };
  return { status, code: 'bad_request', title: 'Request not understood', message: 'The request was not in the expected format. Go back and try again.' };
}

/** One mapping from errors to what a browser is told; internals never leak. */
function browserErrorText(error: FastifyError | AppError, start: ErrorPageArea['start']): ErrorText {
  if (error instanceof AppError) {
    const { status, code, message } = error;
    return { status, code, message, title: status === 404 ? 'Page not found' : status === 403 ? 'Not allowed' : 'Request refused' };
  }
  if (error.code === 'FST_CSRF_INVALID_TOKEN' || error.code === 'FST_CSRF_MISSING_SECRET') {
    return { status: 403, code: 'csrf_failed', title: 'Form expired', message: 'This form has expired or was not sent from the portal. Go back, reload the page and try again.' };
  }
  if (error.validation !== undefined || error.statusCode === 400 || error.statusCode === 415 || error.statusCode === 413) {
    return { status: error.statusCode ?? 400, code: 'bad_request', title: 'Request not understood', message: 'The form was incomplete or not in the expected format. Go back and try again.' };
  }
  if (error.statusCode === 429) return { status: 429, code: 'too_many_requests', title: 'Too many requests', message: 'Too many requests. Please wait a moment and try again.' };
  // Any other refusal raised by a plugin (e.g. @fastify/static's 403 for "/assets/../x") keeps its status.
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) return clientErrorText(error.statusCode, start);
  // An outage, not a bug: the client is told when to come back.
  if (isDatabaseUnavailable(error)) return { status: 503, code: 'unavailable', title: 'Temporarily unavailable', message: 'The portal is temporarily unavailable. Please try again in a minute.' };
  return { status: 500, code: 'internal_error', title: 'Something went wrong', message: 'Something went wrong on our side. Please try again in a moment.' };
}

/** A browser context's error handler and not-found page, in that context's layout. */
export function installErrorPages(app: FastifyInstance, area: ErrorPageArea): void {
  const Page = area.page;
  app.setErrorHandler((error: FastifyError | AppError, req, reply) => {
    const { status, code, title, message } = browserErrorText(error, area.start);
    logAnswer(req, error, status, code);
    if (status === 503) reply.header('retry-after', '30');
    return reply.page(
      <Page title={title} req={req} reply={reply}>
        <ErrorCard title={title} message={message} start={area.start} />
      </Page>,
      status,
    );
  });
  app.setNotFoundHandler((req, reply) => {
    const { title, message } = clientErrorText(404, area.start);
    return reply.page(
      <Page title={title} req={req} reply={reply}>
        <ErrorCard title={title} message={message} start={area.start} />
      </Page>,
      404,
    );
  });
}

const PORTAL_START = { href: '/portal/entitlements', label: 'My Entitlements' };
const BARE_AREA = { name: 'Licence Portal', home: '/portal/sign-in' };

/**
 * A page for requests outside the browser contexts (static assets, the root redirects): nobody is signed in
 * there and the page has no form, so it is rendered bare, sets no cookie and needs no decorator.
 */
function sendBarePage(reply: FastifyReply, { status, title, message }: ErrorText): FastifyReply {
  const page = (
    <Layout title={title} area={BARE_AREA} narrow>
      <ErrorCard title={title} message={message} start={PORTAL_START} />
    </Layout>
  );
  return reply.code(status).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(renderDocument(page));
}

/**
 * Fastify's own routing errors (a URL that cannot be decoded, "/%ff") come before any hook or decorator, so
 * the page is rendered bare.
 */
export function answerRoutingError(error: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
  req.log.info({ code: error.code }, 'request refused');
  return sendBarePage(reply, { status, code: 'bad_request', title: 'Request not understood', message: 'This address is not a valid URL. Check the link, or start from My Entitlements.' });
}

/** The error handler of scopes outside the browser contexts (static assets, the root redirects): see sendBarePage. */
export function answerBareError(error: FastifyError | AppError, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const text = browserErrorText(error, PORTAL_START);
  logAnswer(req, error, text.status, text.code);
  if (text.status === 503) reply.header('retry-after', '30');
  return sendBarePage(reply, text);
}

/** The not-found page of scopes outside the browser contexts. */
export function answerBareNotFound(_req: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendBarePage(reply, clientErrorText(404, PORTAL_START));
}
