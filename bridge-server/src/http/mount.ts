import {
  type RouteDefinition,
  type RouteInput,
  type RouteResult,
  unstorableTextIssues,
  type ValidationIssue,
} from '@wabridge/shared';
import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import type * as z from 'zod';
import { DomainError, validationFailed } from '../domain/errors.js';
import type { Authenticator, ReadAlong } from '../security/authenticate.js';
import type { Caller } from './caller.js';

/**
 * The answer of a route whose contract answers a CSV file (`csvResponse`): its text, whole or in chunks (read one
 * at a time, as the client takes them), and the file name it is saved under.
 */
export interface CsvAnswer {
  filename: string;
  csv: string | AsyncIterable<string>;
}

/** What a handler answers: the contract's response body; a CSV for a route without one, or nothing (204). */
type HandlerResult<R extends RouteDefinition> = RouteResult<R> extends undefined ? CsvAnswer | undefined : RouteResult<R>;

export type RouteHandler<R extends RouteDefinition, T = never> = (
  input: RouteInput<R>,
  context: {
    caller: R['auth'] extends 'none' ? undefined : Caller;
    request: Request;
    response: Response;
    /** The raw body of a route the contract gives one (`rawBody`), read whole; empty otherwise. */
    rawBody: Buffer;
    /** What `mounting.readAlong` read with the authentication; undefined when it was not read (no bearer token). */
    read: T | undefined;
  },
) => Promise<HandlerResult<R>>;

/** How a route's raw body (contract `rawBody`) is read: whole, up to a limit; or left unread for the handler to stream. */
export type RawBodyReading = { limitBytes: number } | 'stream';

export interface MountOptions {
  authenticator: Authenticator;
  /** The JSON body parser (express.json with the configured size limit). */
  parseJson: RequestHandler;
  /** Check every response against its contract schema (tests and development). */
  validateResponses: boolean;
  /** Every route mounted, in order: the start-up check (mount-check.ts) compares it with the contract. */
  mounted: RouteDefinition[];
}

/** `/v1/deployments/{deployment_id}` → `/v1/deployments/:deployment_id`. */
export function expressPath(contractPath: string): string {
  return contractPath.replace(/\{(\w+)\}/g, ':$1');
}

/**
 * Zod's issues as our `errors`: a field that is absent is `required` (zod says "Invalid input: expected string,
 * received undefined", which an API user and the apps' agents should not have to decode); other issues keep zod's
 * code and message, unknown keys become `unknown_field`.
 */
function issuesOf(error: z.ZodError, source: 'body' | 'query' | 'params' | 'headers', input: unknown): ValidationIssue[] {
  return error.issues.map((issue) => {
    const path = issue.path.reduce<string>(
      (text, key) => (typeof key === 'number' ? `${text}[${key}]` : `${text}.${String(key)}`),
      source === 'params' ? 'path' : source,
    );
    if (issue.code === 'invalid_type' && issue.path.length > 0 && valueAt(input, issue.path) === undefined) {
      return { path, code: 'required', message: 'required' };
    }
    const custom = issue.code === 'custom' ? (issue.params as { problem?: string } | undefined)?.problem : undefined;
    const code = custom ?? (issue.code === 'unrecognized_keys' ? 'unknown_field' : issue.code);
    const message = issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message;
    return { path, code, message };
  });
}

/** The value at `path` inside `input`, or undefined where anything on the way is absent. */
function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current = input;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/** A hand-mounted route's query, validated by its contract schema and reported as mountRoute reports it. */
export function validatedQuery<S extends z.ZodType>(schema: S, request: Request): z.infer<S> {
  const query = { ...request.query };
  const parsed = schema.safeParse(query);
  if (!parsed.success) throw validationFailed(issuesOf(parsed.error, 'query', query));
  return parsed.data;
}

/**
 * Every route's query string, contract-mounted or by hand, is refused when it carries text the database
 * cannot hold (`shared/src/contract/text.ts`): a filter with U+0000 would otherwise fail inside PostgreSQL.
 */
export const refuseUnstorableQuery: RequestHandler = (request, _response, next) => {
  // Most requests (Meta's webhooks) have no query string: spare parsing one (Express parses request.query on read).
  if (!request.url.includes('?')) return next();
  const issues = unstorableTextIssues({ ...request.query }, 'query');
  if (issues.length > 0) throw validationFailed(issues);
  next();
};

function hasBody(request: Request): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

async function readRawBody(request: Request, response: Response, limitBytes: number): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) =>
    express.raw({ type: () => true, limit: limitBytes })(request, response, (error?: unknown) =>
      error ? reject(error) : resolve(Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0)),
    ),
  );
}

/** Resolves true once the response can take more, false if the client went away. */
function drained(response: Response): Promise<boolean> {
  return new Promise((resolve) => {
    const done = () => {
      response.off('drain', done);
      response.off('close', done);
      resolve(!response.destroyed);
    };
    response.on('drain', done);
    response.on('close', done);
  });
}

/**
 * Sends a CSV answer. Its first chunk is read before anything is set, so a failure there is still answered as a
 * problem; later chunks are written as the client takes them (a client that went away stops the reading).
 */
async function sendCsv(response: Response, status: number, answer: CsvAnswer): Promise<void> {
  const chunks = typeof answer.csv === 'string' ? [answer.csv][Symbol.iterator]() : answer.csv[Symbol.asyncIterator]();
  let next = await chunks.next();
  response.status(status).type('text/csv; charset=utf-8').set('Content-Disposition', `attachment; filename="${answer.filename}"`);
  if (typeof answer.csv === 'string') {
    response.send(answer.csv);
    return;
  }
  while (next.done !== true) {
    if (!response.write(next.value) && !(await drained(response))) return;
    next = await chunks.next();
  }
  response.end();
}

function isCsvAnswer(value: unknown): value is CsvAnswer {
  return typeof value === 'object' && value !== null && 'filename' in value && 'csv' in value;
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
 * A route whose contract takes a raw body (a CSV, a file) has it read after authentication, up to the
 * limit `mounting.rawBody` gives, or left to the handler to stream; one that answers a CSV has its
 * handler's text sent as `text/csv`. The route is counted in `options.mounted` for the start-up check.
 *
 * A route that reads the same thing for every caller (the panels' hot path) may have it read in the statement that
 * authenticates the request (`mounting.readAlong`, given the valid path parameters; security/authenticate.ts): its
 * handler gets it as `read` once the caller is authenticated. Invalid path parameters are refused after the
 * authentication, as on every route.
 */
export function mountRoute<R extends RouteDefinition, T = never>(
  router: Router,
  route: R,
  handler: RouteHandler<R, NoInfer<T>>,
  options: MountOptions,
  mounting: { rawBody?: RawBodyReading; readAlong?: (params: RouteInput<R>['params']) => ReadAlong<T> } = {},
): void {
  if (route.mountedByHand === true) throw new Error(`${route.operationId} is mounted by hand (see mountByHand).`);
  if ((route.rawBody === undefined) !== (mounting.rawBody === undefined)) {
    throw new Error(`${route.operationId}: say how to read a raw body exactly when the contract gives the route one.`);
  }
  options.mounted.push(route);
  router[route.method](expressPath(route.path), async (request, response) => {
    response.locals.routePath = route.path;
    response.locals.operationId = route.operationId;
    const { readAlong } = mounting;
    const givenParams = readAlong !== undefined ? route.params?.safeParse(request.params) : undefined;
    let caller: Caller | undefined;
    let read: T | undefined;
    if (route.auth !== 'none') {
      ({ caller, read } =
        readAlong !== undefined && givenParams?.success === true
          ? await options.authenticator.authenticateAlong(
              request,
              response,
              route,
              readAlong(givenParams.data as RouteInput<R>['params']),
            )
          : { caller: await options.authenticator.authenticate(request, response, route), read: undefined });
    }

    let params: unknown;
    if (route.params) {
      const parsed = givenParams ?? route.params.safeParse(request.params);
      if (!parsed.success) {
        if (route.invalidParams === 'validation_failed') throw validationFailed(issuesOf(parsed.error, 'params', request.params));
        throw new DomainError('not_found', `No such resource: ${request.path}.`);
      }
      params = parsed.data;
    }
    let query: unknown;
    if (route.query) {
      const given = { ...request.query };
      const parsed = route.query.safeParse(given);
      if (!parsed.success) throw validationFailed(issuesOf(parsed.error, 'query', given));
      query = parsed.data;
    } else if (Object.keys(request.query as object).length > 0) {
      throw validationFailed([{ path: 'query', code: 'unknown_field', message: 'this endpoint takes no query parameters' }]);
    }
    let headers: unknown;
    if (route.headers) {
      const parsed = route.headers.safeParse(request.headers);
      if (!parsed.success) throw validationFailed(issuesOf(parsed.error, 'headers', request.headers));
      headers = parsed.data;
    }
    let body: unknown;
    if (route.body) {
      const raw = await readJsonBody(request, response, options.parseJson);
      if (raw === undefined) {
        throw validationFailed([{ path: 'body', code: 'invalid_type', message: 'a JSON body is required' }]);
      }
      const parsed = route.body.safeParse(raw);
      if (!parsed.success) throw validationFailed(issuesOf(parsed.error, 'body', raw));
      body = parsed.data;
    }

    const unstorable = [...unstorableTextIssues(params, 'path'), ...unstorableTextIssues(body, 'body')];
    if (unstorable.length > 0) throw validationFailed(unstorable);
    const rawBody =
      mounting.rawBody === undefined || mounting.rawBody === 'stream'
        ? Buffer.alloc(0)
        : await readRawBody(request, response, mounting.rawBody.limitBytes);

    const result = await handler({ params, query, headers, body } as RouteInput<R>, {
      caller: caller as never,
      request,
      response,
      rawBody,
      read,
    });
    if (route.csvResponse !== undefined) {
      if (!isCsvAnswer(result)) throw new Error(`${route.operationId} answers a CSV, and its handler gave none.`);
      await sendCsv(response, route.successStatus, result);
      return;
    }
    if (route.successStatus === 204 || route.response === undefined) {
      response.status(route.successStatus).end();
      return;
    }
    if (options.validateResponses) route.response.parse(result);
    response.status(route.successStatus).json(result);
  });
}

/**
 * For a route the contract says is mounted by hand (`mountedByHand`: signed webhooks, whose checks come in their
 * provider's order): counts it for the start-up check and gives the Express path to mount it at.
 */
export function mountByHand(options: Pick<MountOptions, 'mounted'>, route: RouteDefinition): string {
  if (route.mountedByHand !== true) throw new Error(`${route.operationId} is mounted by mountRoute, not by hand.`);
  options.mounted.push(route);
  return expressPath(route.path);
}
