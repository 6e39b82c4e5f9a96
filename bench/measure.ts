/**
 * Load drivers and statistics for the benchmark: autocannon against the running portal (in a worker
 * thread, so the client does not run on the server's event loop) and a plain async loop for in-process
 * work such as bare password verification.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import pg from 'pg';
import type { HttpRequestSpec, LoadCommand, LoadResult } from './load-worker.js';

export type { HttpRequestSpec } from './load-worker.js';

/** One measured interval of one workload. */
export interface Sample {
  /** Completed operations (responses received, or calls returned). */
  completed: number;
  /** Operations that did not have the expected outcome (wrong status, connection errors, timeouts). */
  errors: number;
  seconds: number;
  p50Ms: number;
  p99Ms: number;
  /** Status code -> count, for HTTP samples. */
  statusCodes?: Record<string, number>;
}

export interface Workload {
  name: string;
  run(seconds: number): Promise<Sample>;
}

/** The autocannon worker thread (bench/load-worker.ts), started once and reused for every HTTP round. */
export class LoadGenerator {
  private readonly worker: Worker;
  private nextId = 1;
  private failure: Error | undefined;
  private readonly pending = new Map<number, { resolve: (r: LoadResult) => void; reject: (e: Error) => void }>();

  constructor() {
    // A worker does not inherit tsx's loader hooks from --import: register them in the worker, then load it.
    const tsx = import.meta.resolve('tsx/esm/api');
    const entry = new URL('./load-worker.ts', import.meta.url).href;
    const bootstrap = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry)}); });`;
    this.worker = new Worker(bootstrap, { eval: true, execArgv: [] });
    this.worker.on('message', (result: LoadResult) => {
      const waiter = this.pending.get(result.id);
      this.pending.delete(result.id);
      if (result.error !== undefined) waiter?.reject(new Error(`load generator: ${result.error}`));
      else waiter?.resolve(result);
    });
    const fail = (error: Error) => {
      this.failure ??= error;
      for (const waiter of this.pending.values()) waiter.reject(error);
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`load generator: the worker exited (code ${code})`)));
  }

  run(command: Omit<LoadCommand, 'id'>): Promise<LoadResult> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...command, id } satisfies LoadCommand);
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

/**
 * An HTTP workload: `connections` keep-alive connections, each cycling through `requests` in order, or
 * shared among the connections as `distribution` says (load-worker.ts).
 * Any status other than `expectStatus` (and any connection error or timeout) counts as an error.
 */
export function httpWorkload(
  name: string,
  load: LoadGenerator,
  options: { baseUrl: string; connections: number; requests: HttpRequestSpec[]; expectStatus: number; distribution?: LoadCommand['distribution'] },
): Workload {
  return {
    name,
    async run(seconds) {
      const result = await load.run({ url: options.baseUrl, connections: options.connections, seconds, requests: options.requests, distribution: options.distribution ?? 'cycle' });
      const completed = Object.values(result.statusCodes).reduce((a, b) => a + b, 0);
      const expected = result.statusCodes[String(options.expectStatus)] ?? 0;
      return {
        completed,
        errors: completed - expected + result.failures,
        seconds: result.seconds,
        p50Ms: result.p50Ms,
        p99Ms: result.p99Ms,
        statusCodes: result.statusCodes,
      };
    },
  };
}

/** An in-process workload: `concurrency` loops each awaiting `operation` back to back. */
export function loopWorkload(name: string, options: { concurrency: number; operation: () => Promise<boolean> }): Workload {
  return {
    name,
    async run(seconds) {
      const latencies: number[] = [];
      let errors = 0;
      const start = performance.now();
      const deadline = start + seconds * 1000;
      await Promise.all(
        Array.from({ length: options.concurrency }, async () => {
          while (performance.now() < deadline) {
            const t0 = performance.now();
            const ok = await options.operation().catch(() => false);
            latencies.push(performance.now() - t0);
            if (!ok) errors++;
          }
        }),
      );
      const elapsed = (performance.now() - start) / 1000;
      latencies.sort((a, b) => a - b);
      return { completed: latencies.length, errors, seconds: elapsed, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) };
    },
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? 0;
}

let queries = 0;
let counting = false;

/**
 * Counts the SQL statements this process sends to PostgreSQL (every pg client's query(), BEGIN and
 * COMMIT included), so the report can say how many each request costs. One increment per query.
 */
export function countQueries(): () => number {
  if (!counting) {
    counting = true;
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called with the client as `this` below
    const original = pg.Client.prototype.query;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      queries++;
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof original;
  }
  return () => queries;
}

export interface Aggregate {
  completed: number;
  errors: number;
  seconds: number;
  perSecond: number;
  /** Mean of the per-round percentiles (rounds are equally long). */
  p50Ms: number;
  p99Ms: number;
  rounds: number[];
  statusCodes: Record<string, number>;
  /** SQL statements sent per completed operation. */
  queriesPerOp: number;
}

function aggregate(samples: Sample[], queries: number): Aggregate {
  const completed = samples.reduce((n, s) => n + s.completed, 0);
  const seconds = samples.reduce((n, s) => n + s.seconds, 0);
  const statusCodes: Record<string, number> = {};
  for (const s of samples) for (const [code, count] of Object.entries(s.statusCodes ?? {})) statusCodes[code] = (statusCodes[code] ?? 0) + count;
  const mean = (pick: (s: Sample) => number) => (samples.length === 0 ? 0 : samples.reduce((n, s) => n + pick(s), 0) / samples.length);
  return {
    completed,
    errors: samples.reduce((n, s) => n + s.errors, 0),
    seconds,
    perSecond: seconds === 0 ? 0 : completed / seconds,
    p50Ms: mean((s) => s.p50Ms),
    p99Ms: mean((s) => s.p99Ms),
    rounds: samples.map((s) => (s.seconds === 0 ? 0 : s.completed / s.seconds)),
    statusCodes,
    queriesPerOp: completed === 0 ? 0 : queries / completed,
  };
}

/** CPU ticks (USER_HZ) from a /proc stat line: utime + stime (+ children's, for whole processes). */
function statTicks(file: string): number {
  try {
    const text = readFileSync(file, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .filter((name) => {
        const text = readFileSync(`/proc/${name}/stat`, 'utf8');
        return Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      })
      .map(Number);
  } catch {
    return [];
  }
}

interface CpuReading {
  total: number;
  busy: number;
  ours: number;
}

/**
 * How busy the machine is with work that is not this benchmark (Linux /proc only): the share of all CPU
 * time spent by other processes. The embedded PostgreSQL server (postmaster and its backends) counts as ours.
 */
export function cpuMeter(postmasterPid: () => number | undefined) {
  const read = (): CpuReading | undefined => {
    if (!existsSync('/proc/stat')) return undefined;
    const cpu = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
    const total = cpu.reduce((a, b) => a + b, 0);
    const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
    const pm = postmasterPid();
    const pgPids = pm === undefined ? [] : [pm, ...childrenOf(pm)];
    const ours = statTicks('/proc/self/stat') + pgPids.reduce((n, pid) => n + statTicks(`/proc/${pid}/stat`), 0);
    return { total, busy: total - idle, ours };
  };
  return {
    start: read,
    /** Share of the machine's CPU time used by other processes since `from` (0..1), if measurable. */
    otherShare(from: CpuReading | undefined): number | undefined {
      const to = read();
      if (from === undefined || to === undefined || to.total <= from.total) return undefined;
      // Backends that exited meanwhile take their ticks with them: "other" is a lower bound, never negative.
      const other = to.busy - from.busy - (to.ours - from.ours);
      return Math.max(0, other) / (to.total - from.total);
    },
  };
}

export type CpuMeter = ReturnType<typeof cpuMeter>;

export interface Comparison {
  baseline: Aggregate;
  subject: Aggregate;
  /** subject/baseline per A-B-B-A cycle: the spread shows how steady the machine was. */
  cycleRatios: number[];
  /** Share of CPU used by other processes on the machine during the measured rounds, if known. */
  otherCpuShare: number | undefined;
}

/**
 * Measures a workload against its baseline in the same process, interleaved in A-B-B-A cycles of short
 * rounds so that changes in the machine's speed (other tenants, other jobs) fall on both sides alike.
 * Each side is warmed up first (JIT, connection pools), unmeasured.
 */
export async function compare(
  baseline: Workload,
  subject: Workload,
  timing: { warmupSeconds: number; roundSeconds: number; cycles: number },
  log: (line: string) => void,
  meter?: CpuMeter,
): Promise<Comparison> {
  const queryCount = countQueries();
  log(`  warming up ${baseline.name} and ${subject.name} (${timing.warmupSeconds}s each)`);
  await baseline.run(timing.warmupSeconds);
  await subject.run(timing.warmupSeconds);
  const samples = new Map<Workload, Sample[]>([
    [baseline, []],
    [subject, []],
  ]);
  const queries = new Map<Workload, number>([
    [baseline, 0],
    [subject, 0],
  ]);
  const cycleRatios: number[] = [];
  const cpuStart = meter?.start();
  for (let cycle = 1; cycle <= timing.cycles; cycle++) {
    const rates = new Map<Workload, number[]>([
      [baseline, []],
      [subject, []],
    ]);
    for (const workload of [baseline, subject, subject, baseline]) {
      const before = queryCount();
      const sample = await workload.run(timing.roundSeconds);
      queries.set(workload, (queries.get(workload) ?? 0) + queryCount() - before);
      samples.get(workload)?.push(sample);
      rates.get(workload)?.push(sample.seconds === 0 ? 0 : sample.completed / sample.seconds);
    }
    const mean = (xs: number[] | undefined) => (xs === undefined || xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);
    const b = mean(rates.get(baseline));
    const a = mean(rates.get(subject));
    cycleRatios.push(b === 0 ? 0 : a / b);
    log(`  cycle ${cycle}/${timing.cycles}: ${baseline.name} ${b.toFixed(1)}/s, ${subject.name} ${a.toFixed(1)}/s → ${((b === 0 ? 0 : a / b) * 100).toFixed(1)}%`);
  }
  const otherCpuShare = meter?.otherShare(cpuStart);
  return {
    baseline: aggregate(samples.get(baseline) ?? [], queries.get(baseline) ?? 0),
    subject: aggregate(samples.get(subject) ?? [], queries.get(subject) ?? 0),
    cycleRatios,
    otherCpuShare,
  };
}
