import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { App } from '../../src/app.js';

/** One thing to fuzz: a method and a route pattern (`:id` and `*` are filled in by the generator). */
export interface FuzzTarget {
  method: string;
  pattern: string;
}

/**
 * Every route of the app, read from its own route tree (so a route added later is fuzzed without a
 * change here), plus the static files under /assets/ and paths that match no route at all.
 */
export function fuzzTargets(app: App): FuzzTarget[] {
  const targets = new Map<string, FuzzTarget>();
  const add = (method: string, pattern: string) => targets.set(`${method} ${pattern}`, { method, pattern });
  for (const { methods, pattern } of parseRouteTree(app.printRoutes({ commonPrefix: false }))) {
    for (const method of methods) if (method !== 'HEAD') add(method, pattern);
  }
  for (const file of assetFiles()) add('GET', `/assets/${file}`);
  add('GET', '/assets/*');
  for (const pattern of ['/*', '/portal/*', '/api/*', '/admin/*', '/marketplace/*']) {
    add('GET', pattern);
    add('POST', pattern);
  }
  // Methods no route has: Fastify must answer them, not the handlers.
  for (const method of ['PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
    add(method, '/portal/sign-in');
    add(method, '/api/v1/status');
  }
  return [...targets.values()];
}

/**
 * Reads `printRoutes({ commonPrefix: false })`: one node per line, indented four characters a level,
 * each node's text appended to its parent's, methods in brackets.
 */
export function parseRouteTree(tree: string): { pattern: string; methods: string[] }[] {
  const stack: string[] = [];
  const routes: { pattern: string; methods: string[] }[] = [];
  for (const line of tree.split('\n')) {
    const match = /^([\s│]*)[├└]── (.+?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (match === null) continue;
    const depth = (match[1] ?? '').length / 4;
    stack.length = depth;
    stack.push(match[2] ?? '');
    if (match[3] !== undefined) routes.push({ pattern: stack.join('').replace(/^\/+/, '/'), methods: match[3].split(', ') });
  }
  if (routes.length < 10) throw new Error(`could not read the route tree:\n${tree}`);
  return routes;
}

function assetFiles(): string[] {
  const publicDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../public');
  return fs.readdirSync(publicDir).filter((name) => !name.startsWith('.'));
}
