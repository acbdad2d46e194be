import { type ProblemCode, problemCatalogue, problemTypeUri, type ValidationIssue } from '@wabridge/shared';
import type { Response } from 'express';

/**
 * A domain error that the API answers as `application/problem+json`. Thrown anywhere in a handler;
 * mapped to HTTP in one place (the error middleware in app.ts).
 */
export class ProblemError extends Error {
  constructor(
    readonly code: ProblemCode,
    readonly detail: string,
    readonly extensions: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(`${code}: ${detail}`);
  }
}

export function validationProblem(errors: ValidationIssue[]): ProblemError {
  const summary = errors.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
  return new ProblemError('validation_failed', summary, { errors });
}

export function sendProblem(response: Response, error: ProblemError): void {
  const { status, title } = problemCatalogue[error.code];
  const requestId = response.getHeader('x-request-id');
  response
    .status(status)
    .set(error.headers)
    .type('application/problem+json')
    .send(
      JSON.stringify({
        type: problemTypeUri(error.code),
        title,
        status,
        detail: error.detail,
        code: error.code,
        instance: response.req.originalUrl.split('?')[0],
        ...(typeof requestId === 'string' ? { request_id: requestId } : {}),
        ...error.extensions,
      }),
    );
}
