/**
 * Whether an error means the database cannot be reached or cannot serve right now (stopped, restarting,
 * failing over, out of connection slots), as opposed to a query that is wrong. Those become a 503 with
 * Retry-After instead of a 500, and clear up on their own once the server is back.
 *
 * What pg (through Kysely, which passes its errors on) throws in an outage, checked against a real server:
 * an in-flight query gets 57P01 when the server stops, new connections 57P03 while it shuts down or starts
 * and then ECONNREFUSED; a checked-out client whose server went away fails with "…is not queryable".
 */

/** SQLSTATEs outside class 08 (connection exception) that mean the server, not the query, is the problem. */
const UNAVAILABLE_SQLSTATES = new Set([
  '57P01', // admin_shutdown: the server is stopping
  '57P02', // crash_shutdown: another backend crashed
  '57P03', // cannot_connect_now: starting up or shutting down
  '53300', // too_many_connections: no connection slot free
]);

/** Socket and DNS failures (Node's error codes) on the way to the server. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);

/** pg and pg-pool throw these as plain Errors without a code. */
const UNAVAILABLE_MESSAGES = [
  /^Connection terminated/, // "…unexpectedly", "…due to connection timeout"
  /^timeout exceeded when trying to connect$/, // pg-pool: no connection within connectionTimeoutMillis
  /^Client has encountered a connection error and is not queryable$/,
];

export function isDatabaseUnavailable(error: unknown): boolean {
  // The error itself, its causes, and an AggregateError's parts (Node tries each address of a host name).
  const pending: unknown[] = [error];
  for (let seen = 0; pending.length > 0 && seen < 10; seen++) {
    const current = pending.shift();
    if (!(current instanceof Error)) continue;
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && (UNAVAILABLE_SQLSTATES.has(code) || /^08[0-9A-Z]{3}$/.test(code) || NETWORK_CODES.has(code))) return true;
    if (UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(current.message))) return true;
    if (current.cause !== undefined) pending.push(current.cause);
    if (current instanceof AggregateError) pending.push(...(current.errors as unknown[]));
  }
  return false;
}
