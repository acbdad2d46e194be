import type { RouteDefinition, RouteGroup } from '@wabridge/shared';

/**
 * The start-up check that the bridge serves its contract: every route of the table mounted exactly once, nothing
 * mounted that the table does not have (a route defined beside the table, or one a second route of the same name
 * hid), and no two routes of the table at one method and path (Express would only ever reach the first). Each
 * mistake would otherwise show only when a client calls the route: a 404 or 405, or another route's answer.
 */
export function mountProblems(table: RouteGroup, mounted: readonly RouteDefinition[]): string[] {
  const problems: string[] = [];
  const describe = (name: string, route: RouteDefinition) => `${name} (${route.method.toUpperCase()} ${route.path})`;
  const namesByRoute = new Map<RouteDefinition, string>(Object.entries(table).map(([name, route]) => [route, name]));
  const counts = new Map<RouteDefinition, number>();
  for (const route of mounted) {
    if (!namesByRoute.has(route)) {
      problems.push(
        `${route.operationId} (${route.method.toUpperCase()} ${route.path}) is mounted but not in the contract's route table`,
      );
    }
    counts.set(route, (counts.get(route) ?? 0) + 1);
  }
  const byMethodAndPath = new Map<string, string>();
  for (const [name, route] of Object.entries(table)) {
    const count = counts.get(route) ?? 0;
    if (count === 0) problems.push(`${describe(name, route)} is not mounted`);
    if (count > 1) problems.push(`${describe(name, route)} is mounted ${count} times`);
    const key = `${route.method} ${route.path.replace(/\{\w+\}/g, '{}')}`;
    const earlier = byMethodAndPath.get(key);
    if (earlier !== undefined) problems.push(`${describe(name, route)} has the method and path of ${earlier}`);
    else byMethodAndPath.set(key, name);
  }
  return problems;
}

/** Fails start-up, naming every mistake, unless the mounted routes are exactly the contract's. */
export function checkMounts(table: RouteGroup, mounted: readonly RouteDefinition[]): void {
  const problems = mountProblems(table, mounted);
  if (problems.length > 0) {
    throw new Error(`The bridge's routes do not match its contract (shared/src/contract/routes.ts):\n- ${problems.join('\n- ')}`);
  }
}
