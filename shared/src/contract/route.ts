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
  params?: Params;
  /**
   * What an invalid path parameter means: by default it cannot name anything (404); for a value the
   * client typed, such as a phone number, it is a validation problem (422).
   */
  invalidParams?: 'not_found' | 'validation_failed';
  /** Routes with bodies the JSON pipeline cannot read (raw, signed webhooks) are mounted by hand. */
  mountedByHand?: true;
  /** A body that is not JSON (a file upload), documented in OpenAPI as binary content of these types. */
  rawBody?: { contentTypes: readonly string[]; description: string };
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
