import { routes } from '@wabridge/shared';
import { contractIssuesOf } from '@wabridge/shared/client';

/** A request a helpdesk host's proxy passed on to the bridge, with the answer it received. */
export interface ProxiedAnswer {
  url: string;
  method: string;
  status: number;
  responseText: string;
}

/**
 * What is wrong, by the bridge's contract, with the answers a helpdesk host's proxy passed on to the app: each
 * success must be what its route promises, each error a problem+json with a known code. Empty when all were.
 */
export function proxiedContractIssues(proxied: readonly ProxiedAnswer[]): string[] {
  return proxied.flatMap((request) => {
    if (request.status === 0) return [`${request.method} ${request.url}: no answer`];
    const url = new URL(request.url);
    return contractIssuesOf(routes, request.method, `${url.pathname}${url.search}`, request.status, request.responseText).map(
      (issue) => `${request.method} ${url.pathname}: ${issue}`,
    );
  });
}
