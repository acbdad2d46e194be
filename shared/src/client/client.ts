import type * as z from 'zod';
import type { HttpMethod, RouteDefinition, RouteGroup } from '../contract/route.js';
import type { Routes } from '../contract/routes.js';
import { BridgeRequestError, problemOf } from './errors.js';
import { buildPath, matchRoute, queryString } from './paths.js';
import type { BridgeRequest, BridgeResponse, Transport } from './transport.js';

/*
 * A typed client of the bridge, generated from the contract's route table: `call('getContactStatus', {params})`.
 * The route's path template, method and schemas come from the table, so no caller writes a path. Answers are
 * checked against the route's contract (status and response schema): a fake or a proxy answering otherwise is
 * an error, never a value typed as something it is not. Problems become `BridgeRequestError`s with their code.
 */

type Defined<S> = Exclude<S, undefined>;

/** One part of a call's input: required when its schema needs something, optional when it takes `{}`, else absent. */
type Part<Key extends string, Schema> = [Defined<Schema>] extends [never]
  ? { [K in Key]?: undefined }
  : Defined<Schema> extends z.ZodType
    ? Record<string, never> extends z.input<Defined<Schema>>
      ? { [K in Key]?: z.input<Defined<Schema>> }
      : { [K in Key]: z.input<Defined<Schema>> }
    : never;

/** A body that is not JSON, for routes whose contract takes one (`rawBody`): a CSV, a file. */
export interface RawBody {
  bytes: string | Uint8Array;
  contentType: string;
}

/** What a call sends: the route's path parameters, query, headers and body, typed by its contract. */
export type CallInput<R extends RouteDefinition> = Part<'params', R['params']> &
  Part<'query', R['query']> &
  Part<'headers', R['headers']> &
  Part<'body', R['body']> & { rawBody?: RawBody };

/** A call's input as `requestFor` reads it, whatever the route. */
export interface UntypedInput {
  params?: Record<string, unknown>;
  query?: Record<string, unknown>;
  headers?: Record<string, string>;
  body?: unknown;
  rawBody?: RawBody;
}

/** What a call answers: the response schema's output; a route without one answers its text (a CSV) or nothing. */
export type CallResult<R extends RouteDefinition> = [Defined<R['response']>] extends [never]
  ? string | undefined
  : Defined<R['response']> extends z.ZodType
    ? z.output<Defined<R['response']>>
    : never;

type CallArguments<R extends RouteDefinition> =
  Record<string, never> extends CallInput<R> ? [input?: CallInput<R>] : [input: CallInput<R>];

export interface BridgeClient<Table extends RouteGroup = Routes> {
  call<Name extends keyof Table & string>(name: Name, ...input: CallArguments<Table[Name]>): Promise<CallResult<Table[Name]>>;
}

const httpMethods = {
  get: 'GET',
  post: 'POST',
  put: 'PUT',
  patch: 'PATCH',
  delete: 'DELETE',
} as const satisfies Record<HttpMethod, BridgeRequest['method']>;

/** The request a call sends, built from the route's contract. */
export function requestFor(route: RouteDefinition, input: UntypedInput = {}): BridgeRequest {
  if (input.rawBody !== undefined && route.rawBody === undefined) {
    throw new TypeError(`${route.operationId} takes a JSON body, not a raw one.`);
  }
  return {
    method: httpMethods[route.method],
    path: `${buildPath(route.path, input.params)}${queryString(input.query)}`,
    ...(input.body === undefined ? {} : { body: input.body }),
    ...(input.rawBody === undefined ? {} : { rawBody: input.rawBody }),
    ...(input.headers === undefined ? {} : { headers: input.headers }),
  };
}

/**
 * The answer as the route's contract allows it: its success status with a body its response schema accepts (the
 * schema's output is returned), or a problem, thrown. Anything else is thrown as `unexpected`.
 */
export function readAnswer<R extends RouteDefinition>(name: string, route: R, response: BridgeResponse): CallResult<R> {
  const { status, body } = response;
  if (status < 200 || status >= 300) throw new BridgeRequestError(problemOf(status, body), name);
  if (status !== route.successStatus) {
    throw new BridgeRequestError(
      { kind: 'unexpected', status, issues: [`the contract answers ${route.successStatus}, not ${status}`] },
      name,
    );
  }
  if (route.response === undefined) {
    if (typeof body === 'string' || body === null || body === undefined) return (body ?? undefined) as CallResult<R>;
    throw new BridgeRequestError({ kind: 'unexpected', status, issues: ['the contract answers no JSON body'] }, name);
  }
  const parsed = route.response.safeParse(body);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${['body', ...issue.path].join('.')}: ${issue.message}`);
    throw new BridgeRequestError({ kind: 'unexpected', status, issues }, name);
  }
  return parsed.data as CallResult<R>;
}

/**
 * A client of the routes in `table` over `transport`: the contract's whole table (`routes`), or a part of it, as the
 * panel's bundle takes only the routes it calls (contract/routes/panel.ts). A transport that rejects means nothing
 * answered: that is thrown as `unreachable`.
 */
export function createBridgeClient<Table extends RouteGroup>(transport: Transport, table: Table): BridgeClient<Table> {
  return {
    async call(name, ...[input]) {
      const route = table[name];
      if (route === undefined) throw new TypeError(`The contract has no route ${name}.`);
      const request = requestFor(route, input as UntypedInput | undefined);
      let response: BridgeResponse;
      try {
        response = await transport(request);
      } catch (cause) {
        throw new BridgeRequestError({ kind: 'unreachable' }, name, { cause });
      }
      return readAnswer(name, route, response);
    },
  };
}

/**
 * What is wrong with an answer of the bridge, as the contract sees it: for fakes and proxies that pass answers on
 * (the helpdesk hosts) and check them on the way. Empty when the request names no contract route, when the answer
 * is what its route promises, or when it is a problem+json with a code. `bodyText` is the answer as received.
 */
export function contractIssuesOf(
  table: RouteGroup,
  method: string,
  pathWithQuery: string,
  status: number,
  bodyText: string,
): string[] {
  const matched = matchRoute(table, method, pathWithQuery);
  if (matched === undefined) return [];
  let body: unknown = bodyText;
  if (matched.route.response !== undefined || status >= 300) {
    try {
      body = bodyText === '' ? undefined : JSON.parse(bodyText);
    } catch {
      return [`${matched.name}: the answer (${status}) is not JSON`];
    }
  }
  try {
    readAnswer(matched.name, matched.route, { status, body });
    return [];
  } catch (error) {
    if (!(error instanceof BridgeRequestError)) throw error;
    if (error.error.kind === 'problem') return [];
    return [error.message];
  }
}
