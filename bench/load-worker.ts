/**
 * The HTTP load generator, in a worker thread of its own: autocannon then runs beside the server rather
 * than on its event loop. The worker is started once, before any measurement, so no round pays for
 * starting a thread and loading modules (half a second of CPU with tsx).
 */
import { parentPort } from 'node:worker_threads';
import autocannon from 'autocannon';

export interface HttpRequestSpec {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface LoadCommand {
  id: number;
  url: string;
  connections: number;
  seconds: number;
  requests: HttpRequestSpec[];
  /**
   * How the connections share the list: `cycle`, each goes through all of it; `pinned`, the k-th connection
   * sends only the k-th request (modulo the list); `sliced`, the k-th connection cycles through every
   * request whose index is k modulo the connections (each request sent by one connection only).
   */
  distribution: 'cycle' | 'pinned' | 'sliced';
}

export interface LoadResult {
  id: number;
  error?: string;
  statusCodes: Record<string, number>;
  /** Connection errors and timeouts. */
  failures: number;
  seconds: number;
  p50Ms: number;
  p99Ms: number;
}

async function run(command: LoadCommand): Promise<LoadResult> {
  let nextConnection = 0;
  const requests = command.requests.map((r) => ({ method: r.method, path: r.path, headers: r.headers ?? {}, ...(r.body === undefined ? {} : { body: r.body }) }));
  const options = {
    url: command.url,
    connections: command.connections,
    duration: command.seconds,
    timeout: 30,
    requests,
    ...(command.distribution === 'cycle'
      ? {}
      : {
          setupClient: (client: autocannon.Client) => {
            const k = nextConnection++;
            if (command.distribution === 'pinned') {
              const request = requests[k % requests.length];
              if (request !== undefined) client.setRequests([request]);
            } else {
              client.setRequests(requests.filter((_, i) => i % command.connections === k % command.connections));
            }
          },
        }),
  };
  // Outside the main thread autocannon returns its raw, unaggregated result (histograms still encoded):
  // aggregateResult() (public, untyped in @types/autocannon) turns it into the usual one, percentiles included.
  const raw = await autocannon(options);
  const result = (autocannon as unknown as { aggregateResult(results: unknown[], opts: object): autocannon.Result }).aggregateResult([raw], options);
  const statusCodes: Record<string, number> = {};
  for (const [code, stats] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = stats.count ?? 0;
  return { id: command.id, statusCodes, failures: result.errors + result.timeouts, seconds: result.duration, p50Ms: result.latency.p50, p99Ms: result.latency.p99 };
}

parentPort?.on('message', (command: LoadCommand) => {
  run(command).then(
    (result) => parentPort?.postMessage(result),
    (error: unknown) => parentPort?.postMessage({ id: command.id, error: error instanceof Error ? error.message : String(error), statusCodes: {}, failures: 0, seconds: 0, p50Ms: 0, p99Ms: 0 } satisfies LoadResult),
  );
});
