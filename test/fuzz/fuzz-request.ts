import fc from 'fast-check';
import { formValues, jsonValue, spoiled, strayFieldName, textValue, validFor, valueFor } from './bad-input.js';
import { BROWSER_STATES, type Browser, type BrowserState } from './browsers.js';
import type { FuzzTarget } from './route-list.js';

type BodyEncoding = 'form' | 'json' | 'multipart' | 'text' | 'xml' | 'no-type' | 'garbage' | 'empty' | 'over-limit';
type CsrfPlan = 'valid' | 'missing' | 'bogus' | 'twice' | 'valid-and-bogus' | 'in-query';
type CookiePlan = 'as-is' | 'none' | 'no-csrf-cookie' | 'bogus-session' | 'bogus-everything' | 'duplicated' | 'huge' | 'malformed';

/** A fuzzed request as data (shown by fast-check on failure); cookies and tokens are filled in when sent. */
export interface RequestSpec {
  method: string;
  path: string;
  /**
   * Dot segments and the like: sent over a real socket, since app.inject would normalise the URL. Never for
   * HEAD: Node's own refusals of malformed requests (431…) carry a body, which an HTTP client cannot read after HEAD.
   */
  raw: boolean;
  query: string;
  state: BrowserState;
  cookies: CookiePlan;
  csrf: CsrfPlan;
  origin: 'same' | 'none' | 'null' | 'evil' | 'lookalike' | 'garbage';
  secFetchSite: string | undefined;
  headers: Record<string, string>;
  fields: [string, string[]][];
  json: Record<string, unknown> | unknown[] | string;
  encoding: BodyEncoding;
  ip: string;
}

/** Percent-encodes every UTF-8 byte that is not plainly safe (encodeURIComponent throws on lone surrogates). */
export function percentEncode(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) out += /[A-Za-z0-9\-_.~]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}

/** Encodes as a form would, except printable "%…" values go raw (malformed percent-encoding on purpose). */
function formEncode(fields: [string, string[]][]): string {
  const enc = (text: string) => (/^%[\x21-\x7e]*$/.test(text) ? text : percentEncode(text));
  return fields.flatMap(([name, values]) => (values.length === 0 ? [enc(name)] : values.map((v) => `${enc(name)}=${enc(v)}`))).join('&');
}

const segment = fc.oneof(
  fc.constantFrom('..', '%2e%2e', '%2E%2E', '.%2e', '%2f', '%2F..%2F', '%5c', '.', '', '%00', '%zz', '%252e%252e', ';x=1', 'a%00.css', '%C0%AE%C0%AE', '~', '*'),
  fc.string({ maxLength: 10 }).map(percentEncode),
  fc.integer({ min: 101, max: 9000 }).map((n) => 'z'.repeat(n)),
);

/** The target's path with its parameters filled in, and sometimes a trick played on it. */
function pathFor(target: FuzzTarget): fc.Arbitrary<{ path: string; raw: boolean }> {
  const filled = fc
    .tuple(fc.oneof(fc.uuid(), fc.constantFrom('x', '1', '00000000-0000-0000-0000-00000000000g'), segment), fc.oneof(segment, fc.constantFrom('index.html', 'app.css', 'package.json', '.env')))
    .map(([param, rest]) => target.pattern.replace(/:[a-zA-Z]+/g, param).replace('*', rest));
  const tricked = fc.tuple(filled, fc.array(segment, { minLength: 1, maxLength: 3 }), fc.constantFrom('append', 'prefix', 'double-slash', 'trailing', 'upper')).map(([path, segments, how]) => {
    const extra = segments.join('/');
    if (how === 'append') return `${path}/${extra}`;
    if (how === 'prefix') return `/${extra}${path}`;
    if (how === 'double-slash') return path.replace(/\//g, '//');
    if (how === 'trailing') return `${path}/`;
    return path.toUpperCase();
  });
  return fc.oneof({ weight: 4, arbitrary: filled }, { weight: 1, arbitrary: tricked }).map((path) => ({ path, raw: /(^|\/)(\.|%2e)/i.test(path) || path.startsWith('//') }));
}

const knownQueryNames = ['next', 'notice', 'token', 'subscription', '_csrf'];
const query = fc.oneof(
  { weight: 3, arbitrary: fc.constant('') },
  { weight: 5, arbitrary: fc.array(fc.tuple(fc.oneof(fc.constantFrom(...knownQueryNames), strayFieldName), formValues), { maxLength: 4 }).map(formEncode) },
  { weight: 1, arbitrary: fc.constantFrom('&&&', '=', 'next', 'a=%', 'next=%2F%2Fevil.example', '?=?', 'token[]=1&token[]=2', 'next=/portal/settings&next=//evil') },
);

/** What can arrive in a header: its UTF-8 bytes read as latin1, without the controls Node's HTTP parser refuses itself. */
// eslint-disable-next-line no-control-regex
const headerText = textValue.map((v) => Buffer.from(v.replace(/[\x00-\x08\x0a-\x1f\x7f]/g, ''), 'utf8').toString('latin1'));
const headers = fc.dictionary(fc.constantFrom('user-agent', 'accept', 'accept-language', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'referer', 'if-none-match', 'if-modified-since', 'range', 'accept-encoding', 'x-amz-sns-message-type'), headerText, { maxKeys: 3 });

/**
 * Builds the arbitrary of requests to one target, given the field names the app's pages use and those of
 * the target's own form (most bodies fill that form in, so they get past the schema into the rules).
 */
export function requestsTo(target: FuzzTarget, fieldNames: string[], formFields: string[]): fc.Arbitrary<RequestSpec> {
  // `_csrf` follows the request's CSRF plan, so a random one does not spoil the requests meant to pass.
  const fieldName = fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...fieldNames.filter((name) => name !== '_csrf')) }, { weight: 1, arbitrary: strayFieldName });
  const methods = target.method === 'GET' ? fc.constantFrom('GET', 'GET', 'GET', 'HEAD') : fc.constant(target.method);
  const body = fc.record({
    fields: fc.oneof(
      { weight: formFields.length === 0 ? 0 : 6, arbitrary: filledIn(formFields.filter((name) => name !== '_csrf'), fieldName) },
      { weight: 3, arbitrary: fc.array(fc.tuple(fieldName, formValues), { maxLength: 6 }) },
    ),
    json: fc.oneof(fc.dictionary(fieldName, jsonValue, { maxKeys: 6 }), fc.array(jsonValue, { maxLength: 3 }), fc.constantFrom('[[[[[[[[[[', '{"a":', '"\\ud800"', 'null', '1e999', '{"__proto__":{"x":1}}')),
    encoding: fc.oneof(
      { weight: 14, arbitrary: fc.constant<BodyEncoding>('form') },
      { weight: 3, arbitrary: fc.constant<BodyEncoding>('json') },
      { weight: 4, arbitrary: fc.constantFrom<BodyEncoding>('multipart', 'text', 'xml', 'no-type', 'garbage', 'empty', 'over-limit') },
    ),
  });
  // Most requests pass every guard (a real token, its cookie, same-origin headers) to reach the handlers;
  // the others break one or more of them.
  const passing = fc.constant({ cookies: 'as-is', csrf: 'valid', origin: 'same' as const, secFetchSite: 'same-origin' });
  const breaking = fc.record({
    cookies: fc.oneof({ weight: 3, arbitrary: fc.constant<CookiePlan>('as-is') }, { weight: 5, arbitrary: fc.constantFrom<CookiePlan>('none', 'no-csrf-cookie', 'bogus-session', 'bogus-everything', 'duplicated', 'huge', 'malformed') }),
    csrf: fc.oneof({ weight: 3, arbitrary: fc.constant<CsrfPlan>('valid') }, { weight: 5, arbitrary: fc.constantFrom<CsrfPlan>('missing', 'bogus', 'twice', 'valid-and-bogus', 'in-query') }),
    origin: fc.oneof({ weight: 3, arbitrary: fc.constant('same' as const) }, { weight: 5, arbitrary: fc.constantFrom('none', 'null', 'evil', 'lookalike', 'garbage') }),
    secFetchSite: fc.oneof({ weight: 3, arbitrary: fc.constant('same-origin') }, { weight: 5, arbitrary: fc.constantFrom(undefined, 'none', 'same-site', 'cross-site', 'SAME-ORIGIN', 'same-origin, cross-site', '') }),
  });
  return fc.record({
    method: methods,
    where: pathFor(target),
    query,
    state: fc.constantFrom(...BROWSER_STATES),
    guards: fc.oneof({ weight: 7, arbitrary: passing }, { weight: 3, arbitrary: breaking }),
    headers,
    body,
    ip: fc.ipV4(),
  }).map(({ where, body: b, guards, ...rest }) => ({ ...rest, ...guards, path: where.path, raw: where.raw && rest.method !== 'HEAD', fields: b.fields, json: b.json, encoding: b.encoding }));
}

/**
 * The form's own fields: each with a typical value (or sometimes several), sometimes one left out or a stray
 * one added; or every field valid but one, which gets any bad value (so it reaches the deepest checks).
 */
function filledIn(formFields: string[], fieldName: fc.Arbitrary<string>): fc.Arbitrary<[string, string[]][]> {
  const value = (name: string) => fc.oneof({ weight: 6, arbitrary: valueFor(name).map((v) => [v]) }, { weight: 1, arbitrary: formValues });
  const typical = fc.tuple(fc.tuple(...formFields.map(value)), fc.option(fc.nat(formFields.length), { freq: 4 }), fc.array(fc.tuple(fieldName, formValues), { maxLength: 1 })).map(([values, dropped, strays]) => [
    ...formFields.flatMap((name, i): [string, string[]][] => (i === dropped ? [] : [[name, values[i] ?? []]])),
    ...strays,
  ]);
  const oneBad = fc
    .nat(Math.max(formFields.length - 1, 0))
    .chain((bad) => fc.tuple(fc.constant(bad), fc.oneof(formValues, spoiled(validFor(formFields[bad] ?? '')).map((v) => [v]))))
    .map(([bad, values]) => formFields.map((name, i): [string, string[]] => [name, i === bad ? values : [validFor(name)]]));
  return fc.oneof({ weight: 3, arbitrary: typical }, { weight: 2, arbitrary: oneBad });
}

export interface WireRequest {
  method: string;
  url: string;
  raw: boolean;
  headers: Record<string, string>;
  payload: string | undefined;
  remoteAddress: string;
}

/** Turns a spec into bytes to send, with the browser's real cookies and CSRF token where the plan says so. */
export function toWire(spec: RequestSpec, browser: Browser, other: Browser, origin: string): WireRequest {
  const token = browser.csrfToken ?? other.csrfToken ?? 'none';
  const csrfFields: [string, string[]][] = { valid: [[`_csrf`, [token]]], missing: [], bogus: [['_csrf', ['bogus-token-1234']]], twice: [['_csrf', [token, token]]], 'valid-and-bogus': [['_csrf', [token, 'x']]], 'in-query': [] }[spec.csrf] as [string, string[]][];
  const fields = [...csrfFields, ...spec.fields];
  const headers: Record<string, string> = { ...spec.headers };
  const cookie = cookieHeader(spec.cookies, browser.cookies);
  if (cookie !== '') headers.cookie = cookie;
  const origins = { same: origin, none: undefined, null: 'null', evil: 'https://evil.example', lookalike: `${origin}.evil.example`, garbage: 'ht!tp://\u00e9' };
  const sentOrigin = origins[spec.origin];
  if (sentOrigin !== undefined) headers.origin = sentOrigin;
  if (spec.secFetchSite !== undefined) headers['sec-fetch-site'] = spec.secFetchSite;
  let payload: string | undefined;
  if (spec.method !== 'GET' && spec.method !== 'HEAD') {
    const json = Array.isArray(spec.json) || typeof spec.json === 'string' ? spec.json : { ...Object.fromEntries(csrfFields.map(([k, v]) => [k, v[0]])), ...spec.json };
    const bodies: Record<BodyEncoding, [string | undefined, string]> = {
      form: ['application/x-www-form-urlencoded', formEncode(fields)],
      json: ['application/json', typeof json === 'string' ? json : JSON.stringify(json)],
      multipart: ['multipart/form-data; boundary=zz', `--zz\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${token}\r\n--zz--\r\n`],
      text: ['text/plain', formEncode(fields)],
      xml: ['application/xml', `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>`],
      'no-type': [undefined, formEncode(fields)],
      garbage: ['application/x-www-form-urlencoded; charset=utf-16', '\u00ff\u00fe%%%&&==='],
      empty: ['application/x-www-form-urlencoded', ''],
      'over-limit': ['application/x-www-form-urlencoded', `_csrf=${percentEncode(token)}&accountId=${'y'.repeat(300_000)}`],
    };
    const [type, text] = bodies[spec.encoding];
    if (type !== undefined) headers['content-type'] = type;
    payload = text;
  }
  const extraQuery = spec.csrf === 'in-query' ? `_csrf=${percentEncode(token)}` : '';
  const search = [spec.query, extraQuery].filter((q) => q !== '').join('&');
  return { method: spec.method, url: search === '' ? spec.path : `${spec.path}?${search}`, raw: spec.raw, headers, payload, remoteAddress: spec.ip };
}

function cookieHeader(plan: CookiePlan, cookies: Record<string, string>): string {
  const pairs = Object.entries(cookies);
  const join = (list: [string, string][]) => list.map(([k, v]) => `${k}=${v}`).join('; ');
  switch (plan) {
    case 'as-is':
      return join(pairs);
    case 'none':
      return '';
    case 'no-csrf-cookie':
      return join(pairs.filter(([k]) => k !== 'ws_csrf'));
    case 'bogus-session':
      return join([...pairs.filter(([k]) => k !== 'ws_session'), ['ws_session', 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA']]);
    case 'bogus-everything':
      return join(pairs.map(([k]) => [k, `${k}.forged.%00.ZZZZ`]));
    case 'duplicated':
      return join([...pairs, ...pairs.map(([k]): [string, string] => [k, 'second'])]);
    case 'huge':
      return join([...pairs, ['ws_session', 'h'.repeat(6000)], ['junk', 'j'.repeat(9000)]]);
    case 'malformed':
      return `${join(pairs)}; =; ;;=x; ws_csrf; ws_session="unterminated; ws_mplink=%E0%A4%A; \u00ff=\u00ff`;
  }
}
