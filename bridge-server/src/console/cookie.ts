import type { Request, Response } from 'express';
import { DomainError } from '../domain/errors.js';

/*
 * The console's session cookie and its CSRF defence.
 *
 * The cookie is HttpOnly (no script reads it), SameSite=Strict (a browser never sends it on a request another site
 * started, not even a top-level navigation), Path=/ and, when the request came over https (`request.secure`, which
 * honours TRUST_PROXY), Secure with the `__Host-` prefix (no Domain, so no sibling subdomain can set or shadow it).
 * It has no Max-Age: the session ends when the browser closes or at its expiry in the database, whichever is first.
 *
 * CSRF: SameSite=Strict, plus an Origin check on every request authenticated by the cookie that changes something
 * (anything but GET and HEAD), and on sign-in and sign-out: the Origin header must be the bridge's own origin (as
 * the request reached it, or PUBLIC_URL). Browsers send Origin on every such fetch; a request without one is not
 * the console's and is refused (scripts use the bearer token, which carries no ambient authority).
 */

const plainName = 'wabridge_session';
const secureName = '__Host-wabridge_session';

/** The session token the request's cookie carries, if any. */
export function sessionCookieOf(request: Request): string | undefined {
  const header = request.get('cookie');
  if (header === undefined) return undefined;
  const wanted = request.secure ? secureName : plainName;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index < 0) continue;
    if (part.slice(0, index).trim() !== wanted) continue;
    const value = part.slice(index + 1).trim();
    return /^wbs_[A-Za-z0-9_-]{43}$/.test(value) ? value : undefined;
  }
  return undefined;
}

export function setSessionCookie(request: Request, response: Response, token: string): void {
  const name = request.secure ? secureName : plainName;
  response.append('Set-Cookie', `${name}=${token}; Path=/; HttpOnly; SameSite=Strict${request.secure ? '; Secure' : ''}`);
}

export function clearSessionCookie(request: Request, response: Response): void {
  const name = request.secure ? secureName : plainName;
  response.append('Set-Cookie', `${name}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${request.secure ? '; Secure' : ''}`);
}

export function changesSomething(request: Request): boolean {
  return request.method !== 'GET' && request.method !== 'HEAD';
}

/** Refuses a request whose Origin is not the bridge's own (see above). */
export function checkOrigin(request: Request, publicUrl: string): void {
  const origin = request.get('origin');
  const own = `${request.protocol}://${request.get('host') ?? ''}`;
  if (origin !== undefined && (origin === own || origin === new URL(publicUrl).origin)) return;
  throw new DomainError(
    'cross_origin_refused',
    origin === undefined
      ? 'This console request has no Origin header; scripts use Authorization: Bearer instead of the cookie.'
      : `This console request came from ${origin}, not from the console's own page.`,
  );
}
