import http from 'node:http';
import type { App } from '../../src/app.js';
import type { WireRequest } from './fuzz-request.js';

export interface FuzzResponse {
  status: number;
  contentType: string;
  body: string;
}

/** Sends through app.inject (fast), or over a real socket when the path must arrive exactly as written. */
export async function send(app: App, baseUrl: string, request: WireRequest): Promise<FuzzResponse> {
  if (request.raw) return sendRaw(new URL(baseUrl), request);
  const response = await app.inject({ method: request.method as 'GET', url: request.url, headers: request.headers, remoteAddress: request.remoteAddress, ...(request.payload === undefined ? {} : { payload: request.payload }) });
  return { status: response.statusCode, contentType: String(response.headers['content-type'] ?? ''), body: response.body };
}

/** A connection per request: one the server closes after a refusal (413…) must not take the next request with it. */
function sendRaw(base: URL, request: WireRequest): Promise<FuzzResponse> {
  return new Promise((resolve, reject) => {
    const outgoing = http.request({ host: base.hostname, port: base.port, method: request.method, path: request.url, headers: { ...request.headers, ...(request.payload === undefined ? {} : { 'content-length': String(Buffer.byteLength(request.payload)) }) }, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        resolve({ status: response.statusCode ?? 0, contentType: response.headers['content-type'] ?? '', body: Buffer.concat(chunks).toString('utf8') });
      });
      response.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end(request.payload);
  });
}

/** Why a refused response fails to say what was wrong, or undefined when it does. */
export function unexplained(response: FuzzResponse, method: string): string | undefined {
  if (method === 'HEAD') return undefined;
  if (response.contentType.startsWith('text/html')) {
    const main = /<main\b[^>]*>([\s\S]*?)<\/main>/.exec(response.body)?.[1];
    if (main === undefined) return 'an HTML page without a <main> element';
    const text = main.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
    return text === '' ? 'an HTML page with nothing in its main content' : undefined;
  }
  if (response.contentType.startsWith('application/problem+json')) {
    // The API's errors (RFC 9457): the detail is the sentence for people, the code the one for programs.
    try {
      const parsed = JSON.parse(response.body) as { detail?: unknown; code?: unknown; status?: unknown };
      if (parsed.status !== response.status) return `a problem document whose status (${String(parsed.status)}) is not the response's`;
      return typeof parsed.detail === 'string' && parsed.detail.trim() !== '' && typeof parsed.code === 'string' ? undefined : 'a problem document without a detail and a code';
    } catch {
      return 'a body that claims to be a problem document but is not JSON';
    }
  }
  if (response.contentType.startsWith('application/json')) {
    try {
      const parsed = JSON.parse(response.body) as { error?: unknown; message?: unknown };
      const error = parsed.error as { message?: unknown } | string | undefined;
      const message = typeof error === 'string' ? error : typeof error?.message === 'string' ? error.message : parsed.message;
      return typeof message === 'string' && message.trim() !== '' ? undefined : 'JSON without an error message';
    } catch {
      return 'a body that claims to be JSON but is not';
    }
  }
  return `a ${response.contentType === '' ? 'body without a content type' : response.contentType} response: ${JSON.stringify(response.body.slice(0, 120))}`;
}
