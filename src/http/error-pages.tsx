import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Layout } from '../web/layout.js';
import { AppError } from './errors.js';
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

/** One mapping from errors to responses: pages get a friendly page, the API JSON; internals never leak. */
export function installErrorPages(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | AppError, req, reply) => {
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
    }
    if (status >= 500) req.log.error({ err: error }, 'request failed');
    else req.log.info({ code }, 'request refused');
    if (wantsJson(req)) return reply.code(status).send({ error: { code, message } });
    return reply.page(<ErrorPage title={title} message={message} req={req} reply={reply} />, status);
  });

  app.setNotFoundHandler((req, reply) => {
    if (wantsJson(req)) return reply.code(404).send({ error: { code: 'not_found', message: 'Not found.' } });
    return reply.page(<ErrorPage title="Page not found" message="There is no page at this address. Check the link, or start from My Entitlements." req={req} reply={reply} />, 404);
  });
}
