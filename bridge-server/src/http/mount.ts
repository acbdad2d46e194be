import {
  type RouteDefinition,
  type RouteInput,
  type RouteResult,
  unstorableTextIssues,
  type ValidationIssue,
} from '@wabridge/shared';
import type { Request, RequestHandler, Response, Router } from 'express';
import type * as z from 'zod';
import { DomainError, validationFailed } from '../domain/errors.js';
import type { Authenticate } from '../security/authenticate.js';
import type { Caller } from './caller.js';

export type RouteHandler<R extends RouteDefinition> = (
  input: RouteInput<R>,
  context: { caller: R['auth'] extends 'none' ? undefined : Caller; request: Request; response: Response },
) => Promise<RouteResult<R>>;

export interface MountOptions {
  authenticate: Authenticate;
  /** The JSON body parser (express.json with the configured size limit). */
  parseJson: RequestHandler;
  /** Check every response against its contract schema (tests and development). */
  validateResponses: boolean;
}

/** `/v1/deployments/{deployment_id}` → `/v1/deployments/:deployment_id`. */
export function expressPath(contractPath: string): string {
  return contractPath.replace(/\{(\w+)\}/g, ':$1');
}

function issuesOf(error: z.ZodError, source: 'body' | 'query' | 'params' | 'headers'): ValidationIssue[] {
  return error.issues.map((issue) => {
    const path = issue.path.reduce<string>(
      (text, key) => (typeof key === 'number' ? `${text}[${key}]` : `${text}.${String(key)}`),
      source === 'params' ? 'path' : source,
    );
    const custom = issue.code === 'custom' ? (issue.params as { problem?: string } | undefined)?.problem : undefined;
    const code = custom ?? (issue.code === 'unrecognized_keys' ? 'unknown_field' : issue.code);
    const message = issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message;
    return { path, code, message };
  });
}

/** A hand-mounted route's query, validated by its contract schema and reported as mountRoute reports it. */
export function validatedQuery<S extends z.ZodType>(schema: S, request: Request): z.infer<S> {
  const parsed = schema.safeParse({ ...request.query });
  if (!parsed.success) throw validationFailed(issuesOf(parsed.error, 'query'));
  return parsed.data;
}

/**
 * Every route's query string, contract-mounted or by hand, is refused when it carries text the database
 * cannot hold (`shared/src/contract/text.ts`): a filter with U+0000 would otherwise fail inside PostgreSQL.
 */
export const refuseUnstorableQuery: RequestHandler = (request, _response, next) => {
  const issues = unstorableTextIssues({ ...request.query }, 'query');
  if (issues.length > 0) throw validationFailed(issues);
  next();
};

function hasBody(request: Request): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

async function readJsonBody(request: Request, response: Response, parseJson: RequestHandler): Promise<unknown> {
  if (!hasBody(request)) return undefined;
  if (!request.is(['application/json', 'application/*+json'])) {
    throw new DomainError(
      'unsupported_media_type',
      `Send the body as JSON with Content-Type: application/json (got ${request.get('content-type') ?? 'no Content-Type'}).`,
    );
  }
  await new Promise<void>((resolve, reject) =>
    parseJson(request, response, (error?: unknown) => (error ? reject(error) : resolve())),
  );
  return request.body;
}

/**
 * Registers one contract route: authenticate first (bodies of unauthenticated requests are never
 * read), then parse and validate path, query and body against the contract, then call the handler
 * with typed values. A malformed path id cannot name anything, so it answers 404 like a missing one.
 */
export function mountRoute<R extends RouteDefinition>(
  router: Router,
  route: R,
  handler: RouteHandler<R>,
  options: MountOptions,
): void {
  router[route.method](expressPath(route.path), async (request, response) => {
    response.locals.routePath = route.path;
    const caller = route.auth === 'none' ? undefined : await options.authenticate(request, route.auth);

    let params: unknown;
    if (route.params) {
      const parsed = route.params.safeParse(request.params);
      if (!parsed.success) {
        if (route.invalidParams === 'validation_failed') throw validationFailed(issuesOf(parsed.error, 'params'));
        throw new DomainError('not_found', `No such resource: ${request.path}.`);
      }
      params = parsed.data;
    }
    let query: unknown;
    if (route.query) {
      const parsed = route.query.safeParse({ ...request.query });
      if (!parsed.success) throw validationFailed(issuesOf(parsed.error, 'query'));
      query = parsed.data;
    } else if (Object.keys(request.query as object).length > 0) {
      throw validationFailed([{ path: 'query', code: 'unknown_field', message: 'this endpoint takes no query parameters' }]);
    }
    let headers: unknown;
    if (route.headers) {
      const parsed = route.headers.safeParse(request.headers);
      if (!parsed.success) throw validationFailed(issuesOf(parsed.error, 'headers'));
      headers = parsed.data;
    }
    let body: unknown;
    if (route.body) {
      const raw = await readJsonBody(request, response, options.parseJson);
      if (raw === undefined) {
        throw validationFailed([{ path: 'body', code: 'invalid_type', message: 'a JSON body is required' }]);
      }
      const parsed = route.body.safeParse(raw);
      if (!parsed.success) throw validationFailed(issuesOf(parsed.error, 'body'));
      body = parsed.data;
    }

    const unstorable = [...unstorableTextIssues(params, 'path'), ...unstorableTextIssues(body, 'body')];
    if (unstorable.length > 0) throw validationFailed(unstorable);

    const result = await handler({ params, query, headers, body } as RouteInput<R>, {
      caller: caller as never,
      request,
      response,
    });
    if (route.successStatus === 204 || route.response === undefined) {
      response.status(route.successStatus).end();
      return;
    }
    if (options.validateResponses) route.response.parse(result);
    response.status(route.successStatus).json(result);
  });
}
