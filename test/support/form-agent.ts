import type { App } from '../../src/app.js';

export interface AgentResponse {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
  location: string | undefined;
}

/**
 * A tiny browser for app.inject: keeps cookies, picks up the CSRF token from the last page and adds it
 * to form posts, and sends the Origin header a browser would.
 */
export class FormAgent {
  private cookies = new Map<string, string>();
  csrfToken: string | undefined;

  constructor(
    private readonly app: App,
    private readonly origin = 'http://127.0.0.1:3000',
    private readonly ip = '127.0.0.1',
  ) {}

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  setCookie(name: string, value: string): void {
    this.cookies.set(name, value);
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<AgentResponse> {
    const response = await this.app.inject({ method: 'GET', url, headers: { cookie: this.cookieHeader(), ...headers }, remoteAddress: this.ip });
    return this.take(response);
  }

  /** Posts a form; `_csrf` is filled from the last page unless given. */
  async post(url: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<AgentResponse> {
    const body = new URLSearchParams({ ...(this.csrfToken === undefined ? {} : { _csrf: this.csrfToken }), ...fields }).toString();
    const response = await this.app.inject({
      method: 'POST',
      url,
      payload: body,
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: this.cookieHeader(), origin: this.origin, ...headers },
      remoteAddress: this.ip,
    });
    return this.take(response);
  }

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private take(response: { statusCode: number; body: string; headers: Record<string, string | string[] | number | undefined> }): AgentResponse {
    const setCookies = response.headers['set-cookie'];
    for (const line of Array.isArray(setCookies) ? setCookies : setCookies === undefined ? [] : [String(setCookies)]) {
      const [pair = '', ...attributes] = line.split(';');
      const index = pair.indexOf('=');
      const name = pair.slice(0, index).trim();
      const value = pair.slice(index + 1).trim();
      const expired = attributes.some((a) => /^\s*expires=/i.test(a) && new Date(a.split('=')[1] ?? '').getTime() < Date.now() - 1000);
      if (value === '' || expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const token = /name="_csrf" value="([^"]+)"/.exec(response.body)?.[1];
    if (token !== undefined) this.csrfToken = token;
    const headers: Record<string, string | string[] | undefined> = {};
    for (const [k, v] of Object.entries(response.headers)) headers[k] = typeof v === 'number' ? String(v) : v;
    const location = response.headers.location;
    return { status: response.statusCode, body: response.body, headers, location: typeof location === 'string' ? location : undefined };
  }
}

/** The text of the page's error messages (summary and field errors), for assertions. */
export function errorsOn(body: string): string[] {
  const found: string[] = [];
  for (const m of body.matchAll(/<div class="error-summary"[^>]*>([^<]*)<\/div>|<li>([^<]*)<\/li>/g)) found.push((m[1] ?? m[2] ?? '').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&'));
  return found;
}
