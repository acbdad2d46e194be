import { type ProblemCode, problemCatalogue } from '../errors.js';

/** Every way a call to the bridge can fail, as the client reports it (`BridgeRequestError.error`). */
export type BridgeError =
  /** The bridge answered with one of its problems (problem+json with a stable `code`). */
  | {
      kind: 'problem';
      code: ProblemCode;
      status: number;
      detail: string | undefined;
      requestId: string | undefined;
      /** The problem's `errors[]` (validation problems, `invalid_consent`): what is wrong, field by field. */
      errors?: ProblemFieldError[];
      /** The whole problem body, for members some problems add (`opt_in_required`'s `topic`…). */
      body: Record<string, unknown>;
    }
  /**
   * Something answered, but not as the contract says: a proxy's error page, an unknown problem code, or a
   * success whose status or body the route's contract does not allow (`issues` then says what is wrong).
   */
  | { kind: 'unexpected'; status: number; issues?: string[] }
  /** Nothing answered: the request never reached the bridge. The outcome of a send is then unknown. */
  | { kind: 'unreachable' };

/** One entry of a problem's `errors[]`: `path` is `body.<field>`, `code` a stable code of the failed check. */
export interface ProblemFieldError {
  path: string;
  code: string;
  message: string;
}

export class BridgeRequestError extends Error {
  constructor(
    readonly error: BridgeError,
    /** The route called, by its contract name. */
    readonly route?: string,
    options?: ErrorOptions,
  ) {
    super(BridgeRequestError.describe(error, route), options);
    this.name = 'BridgeRequestError';
  }

  /** The problem's stable code, or undefined when the failure is not a problem of the bridge. */
  get code(): ProblemCode | undefined {
    return this.error.kind === 'problem' ? this.error.code : undefined;
  }

  private static describe(error: BridgeError, route: string | undefined): string {
    const where = route === undefined ? 'bridge' : `bridge ${route}`;
    if (error.kind === 'problem') return `${where}: problem ${error.code} (${error.status}): ${error.detail ?? ''}`;
    if (error.kind === 'unexpected') {
      return `${where}: unexpected answer (${error.status})${error.issues ? `: ${error.issues.join('; ')}` : ''}`;
    }
    return `${where}: unreachable`;
  }
}

/** What went wrong in a call: the client's error, or `unreachable` for anything else thrown on the way. */
export function bridgeErrorOf(thrown: unknown): BridgeError {
  return thrown instanceof BridgeRequestError ? thrown.error : { kind: 'unreachable' };
}

/** Whether `thrown` is the bridge's problem `code`. */
export function isProblem(thrown: unknown, code: ProblemCode): thrown is BridgeRequestError {
  return thrown instanceof BridgeRequestError && thrown.code === code;
}

/**
 * A failed answer read as the bridge's problem, when it is one. Proxies in between (Zendesk's, Zoho's) may answer
 * with something that is not problem+json: that is `unexpected`, never a guessed problem.
 */
export function problemOf(status: number, body: unknown): BridgeError {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { kind: 'unexpected', status };
  const fields = body as Record<string, unknown>;
  const { code, detail, request_id: requestId, errors } = fields;
  if (typeof code !== 'string' || !isProblemCode(code)) return { kind: 'unexpected', status };
  const fieldErrors = Array.isArray(errors) ? errors.filter(isFieldError) : [];
  return {
    kind: 'problem',
    code,
    status,
    detail: typeof detail === 'string' ? detail : undefined,
    requestId: typeof requestId === 'string' ? requestId : undefined,
    ...(fieldErrors.length > 0 ? { errors: fieldErrors } : {}),
    body: fields,
  };
}

function isProblemCode(code: string): code is ProblemCode {
  return Object.hasOwn(problemCatalogue, code);
}

function isFieldError(value: unknown): value is ProblemFieldError {
  if (typeof value !== 'object' || value === null) return false;
  const { path, code, message } = value as Record<string, unknown>;
  return typeof path === 'string' && typeof code === 'string' && typeof message === 'string';
}
