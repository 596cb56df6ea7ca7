/** Path parameters of a matched route, decoded. */
export type RouteParams = Readonly<Record<string, string>>;

/** One entry of a route table: a method, a path pattern with `:name` segments, and its action. */
export interface Route<TAction> {
  /** HTTP method, upper case. */
  method: string;
  /** Like `/apps/:app/users/:user/sessions`. */
  path: string;
  /** What answers the request. */
  action: TAction;
}

/** What {@link Router.match} finds for a request. */
export type RouteMatch<TAction> =
  | { kind: 'found'; route: Route<TAction>; params: RouteParams }
  | { kind: 'method_not_allowed'; allow: string[] }
  | { kind: 'not_found' };

interface CompiledRoute<TAction> {
  route: Route<TAction>;
  segments: string[];
}

/** Matches a method and a path against a table of routes, segment by segment. */
export class Router<TAction> {
  readonly #routes: CompiledRoute<TAction>[];

  constructor(routes: Route<TAction>[]) {
    this.#routes = routes.map((route) => ({ route, segments: split(route.path) }));
  }

  /** The route for `method` and `pathname`, or why there is none. */
  match(method: string, pathname: string): RouteMatch<TAction> {
    const parts = split(pathname);
    const allow: string[] = [];
    for (const { route, segments } of this.#routes) {
      const params = matchSegments(segments, parts);
      if (!params) continue;
      // HEAD is GET without the body (RFC 9110 §9.3.2).
      if (route.method === method || (method === 'HEAD' && route.method === 'GET')) {
        return { kind: 'found', route, params };
      }
      allow.push(route.method);
      if (route.method === 'GET') allow.push('HEAD');
    }
    return allow.length > 0 ? { kind: 'method_not_allowed', allow } : { kind: 'not_found' };
  }
}

function split(path: string): string[] {
  return path.split('/').filter((segment) => segment !== '');
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | undefined {
  if (pattern.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const expected = pattern[i]!;
    const actual = parts[i]!;
    if (expected.startsWith(':')) {
      let decoded: string;
      try {
        decoded = decodeURIComponent(actual);
      } catch {
        return undefined;
      }
      params[expected.slice(1)] = decoded;
    } else if (expected !== actual) {
      return undefined;
    }
  }
  return params;
}
