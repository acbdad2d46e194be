import type { Request, RequestHandler, Response } from 'express';
import type * as z from 'zod';

/** An error of the control API, answered as `{error:{code, message, issues?}}` with its HTTP status. */
export class ControlError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly code: string,
    message: string,
    readonly issues: { path: string; message: string }[] = [],
  ) {
    super(message);
  }
}

export function sendControlError(response: Response, error: ControlError): void {
  response.status(error.httpStatus).json({
    error: { code: error.code, message: error.message, ...(error.issues.length > 0 ? { issues: error.issues } : {}) },
  });
}

/** Validates a control API input once, at the edge; handlers receive typed values. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, where: string): z.output<S> {
  const parsed = schema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => ({
    path: [where, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  throw new ControlError(
    400,
    'validation_failed',
    `Invalid ${where}: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`,
    issues,
  );
}

export function notFound(what: string): ControlError {
  return new ControlError(404, 'not_found', `${what} does not exist in the sandbox.`);
}

export type ControlHandler = (request: Request, response: Response) => void;

/** Wraps a synchronous control handler: ControlErrors become JSON answers, anything else goes to Express. */
export function controlRoute(handler: ControlHandler): RequestHandler {
  return (request, response) => {
    try {
      handler(request, response);
    } catch (error) {
      if (!(error instanceof ControlError)) throw error;
      sendControlError(response, error);
    }
  };
}
