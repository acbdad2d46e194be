import type * as z from 'zod';
import type { ProblemCode } from '../errors.js';

/**
 * Who may call a route. `installation` routes act within the caller's own account and deployment;
 * `admin_or_installation` routes answer an installation with its own account's data only.
 */
export type RouteAuth = 'none' | 'admin' | 'installation' | 'admin_or_installation';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

type AnyObject = z.ZodType<Record<string, unknown>>;

export interface RouteDefinition<
  Params extends AnyObject | undefined = AnyObject | undefined,
  Query extends AnyObject | undefined = AnyObject | undefined,
  Body extends z.ZodType | undefined = z.ZodType | undefined,
  Response extends z.ZodType | undefined = z.ZodType | undefined,
  Headers extends AnyObject | undefined = AnyObject | undefined,
> {
  method: HttpMethod;
  /** OpenAPI-style path: `/v1/deployments/{deployment_id}`. */
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  auth: RouteAuth;
  /**
   * On an `admin` route: an account's admin signed in to the console may call it too, confined to its own account
   * (the handler scopes it with `accountScope` / `actingAccount`). Without it, an `admin` route is the operator's.
   */
  accountAdmin?: true;
  params?: Params;
  /**
   * What an invalid path parameter means: by default it cannot name anything (404); for a value the
   * client typed, such as a phone number, it is a validation problem (422).
   */
  invalidParams?: 'not_found' | 'validation_failed';
  /**
   * Routes the route mounting does not serve (signed webhooks, whose answers and order of checks are their
   * provider's) are mounted by hand; the bridge's start-up check still counts them.
   */
  mountedByHand?: true;
  /** A body that is not JSON (a file upload, a CSV), documented in OpenAPI as binary content of these types. */
  rawBody?: { contentTypes: readonly string[]; description: string };
  /** An answer that is not JSON but a CSV file (UTF-8), documented in OpenAPI as `text/csv`. */
  csvResponse?: { description: string };
  query?: Query;
  /** Request headers the route reads (lower-case names), validated like the rest of the input. */
  headers?: Headers;
  body?: Body;
  successStatus: 200 | 201 | 202 | 204;
  response?: Response;
  /** Problem codes this route documents beyond those every route may answer. */
  problems: readonly ProblemCode[];
}

/** Identity function that keeps the literal types of a route definition. */
export function defineRoute<
  Params extends AnyObject | undefined = undefined,
  Query extends AnyObject | undefined = undefined,
  Body extends z.ZodType | undefined = undefined,
  Response extends z.ZodType | undefined = undefined,
  Headers extends AnyObject | undefined = undefined,
>(route: RouteDefinition<Params, Query, Body, Response, Headers>): RouteDefinition<Params, Query, Body, Response, Headers> {
  return route;
}

/** A named set of routes, kept in a file of its own under `routes/` (see routes/index.ts). */
export type RouteGroup = Record<string, RouteDefinition>;

/** Identity function that keeps the literal types of a group of routes, each made with `defineRoute`. */
export function defineRoutes<const Group extends RouteGroup>(group: Group): Group {
  return group;
}

type Merged<Groups extends readonly RouteGroup[]> = Groups extends readonly [
  infer First,
  ...infer Rest extends readonly RouteGroup[],
]
  ? First & Merged<Rest>
  : unknown;

/** One table of the routes of several groups; two groups naming one route are a mistake, refused here. */
export function mergeRouteGroups<const Groups extends readonly RouteGroup[]>(...groups: Groups): Merged<Groups> {
  const merged: RouteGroup = {};
  for (const group of groups) {
    for (const [name, route] of Object.entries(group)) {
      if (name in merged) throw new Error(`The contract defines the route ${name} twice.`);
      merged[name] = route;
    }
  }
  return merged as Merged<Groups>;
}

type Output<T> = T extends z.ZodType ? z.output<T> : undefined;

/** The validated, typed input a handler receives for a route. */
export interface RouteInput<R> {
  headers: R extends RouteDefinition<infer _P, infer _Q, infer _B, infer _R, infer H> ? Output<H> : never;
  params: R extends RouteDefinition<infer P, infer _Q, infer _B, infer _R> ? Output<P> : never;
  query: R extends RouteDefinition<infer _P, infer Q, infer _B, infer _R> ? Output<Q> : never;
  body: R extends RouteDefinition<infer _P, infer _Q, infer B, infer _R> ? Output<B> : never;
}

/** What a handler returns for a route: the response body as the contract types it (input side). */
export type RouteResult<R> =
  R extends RouteDefinition<infer _P, infer _Q, infer _B, infer Res> ? (Res extends z.ZodType ? z.input<Res> : undefined) : never;
