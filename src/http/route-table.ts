/**
 * The methods each path of a context accepts, so that a wrong method on a known path answers 405 with
 * `Allow` instead of Fastify's 404. Fed from the context's onRoute hook; patterns are matched segment by
 * segment (a `:param` segment matches any one segment, `*` the rest of the path).
 */
export class RouteTable {
  private readonly routes: { segments: string[]; methods: Set<string> }[] = [];

  add(methods: string | string[], url: string): void {
    const segments = url.split('/');
    let route = this.routes.find((r) => r.segments.join('/') === segments.join('/'));
    if (route === undefined) {
      route = { segments, methods: new Set() };
      this.routes.push(route);
    }
    for (const method of typeof methods === 'string' ? [methods] : methods) route.methods.add(method.toUpperCase());
  }

  /** Every method some route accepts on this path (query string ignored), sorted; empty for an unknown path. */
  methodsFor(url: string): string[] {
    const path = url.split('?', 1)[0] ?? '';
    const segments = path.split('/');
    const methods = new Set<string>();
    for (const route of this.routes) if (matches(route.segments, segments)) for (const method of route.methods) methods.add(method);
    return [...methods].sort();
  }
}

function matches(pattern: string[], path: string[]): boolean {
  for (const [index, segment] of pattern.entries()) {
    if (segment === '*') return true;
    const actual = path[index];
    if (actual === undefined) return false;
    if (segment.includes(':') ? actual === '' : segment !== actual) return false;
  }
  return pattern.length === path.length;
}
