import type { ProblemCode, ValidationIssue } from '@wabridge/shared';

/**
 * A failure the bridge explains to whoever asked: a stable code from the problem catalogue
 * (`shared/src/errors.ts`), a detail in English, and the facts a caller may act on. It knows nothing of
 * HTTP or of any helpdesk: stores, services and the send pipeline throw it, and each edge that answers
 * someone maps it in one place (`DomainErrorMapping`): the API to problem+json (`http/problem.ts`), the
 * helpdesk connectors and automations to their own shapes.
 */
export class DomainError extends Error {
  /** How long the caller should wait before the same request can succeed, when we know. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    readonly code: ProblemCode,
    readonly detail: string,
    /**
     * Facts about the failure named and shaped as the contract names them (`meta_code`, `window`, `errors`),
     * so every edge shows a caller the same words.
     */
    readonly facts: Record<string, unknown> = {},
    options: { retryAfterSeconds?: number | undefined; cause?: unknown } = {},
  ) {
    super(`${code}: ${detail}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DomainError';
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/**
 * One edge's translation of a domain error into what its caller understands. Each edge has exactly one:
 * the API answers problem+json (`http/problem.ts`); the Zendesk channelback error, the Zoho Desk reply
 * push state and the automations' notes get theirs with their features.
 */
export type DomainErrorMapping<Answer> = (error: DomainError) => Answer;

/** Input that breaks the contract's rules, with one issue per field. */
export function validationFailed(errors: ValidationIssue[]): DomainError {
  const summary = errors.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
  return new DomainError('validation_failed', summary, { errors });
}
