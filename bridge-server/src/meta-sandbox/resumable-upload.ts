import { randomBytes } from 'node:crypto';
import type { Request } from 'express';
import type { SandboxContext } from './context.js';
import { GraphError, unsupportedRequest } from './graph-errors.js';

/**
 * Meta's Resumable Upload API and the profile picture it carries, after the Graph API guide "Upload a file"
 * (developers.facebook.com/docs/graph-api/guides/upload) and the Application Uploads reference
 * (developers.facebook.com/docs/graph-api/reference/application/uploads):
 * - `POST /{app-id}/uploads?file_length=&file_type=&file_name=` with a token of the app opens a session and answers
 *   `{id: "upload:<session>"}`; `file_type` is one of application/pdf, image/jpeg, image/jpg, image/png, video/mp4;
 *   a bad parameter is error 100 ("Invalid parameter"), an app the token does not belong to the usual 100/33.
 * - `POST /upload:<session>` with `Authorization: OAuth <token>` and the header `file_offset` ("must be included as an
 *   HTTP header. It will not work as a query parameter"; the token "cannot work as a query parameter" either) and the
 *   bytes as the body answers `{h: <handle>}` once the file is whole; `GET /upload:<session>` answers
 *   `{id, file_offset}`, where to resume.
 * - `POST /{phone-number-id}/whatsapp_business_profile` takes the handle as `profile_picture_handle` (business
 *   profile reference); reading the profile then answers `profile_picture_url`.
 * What Meta answers for a handle that is unknown, or of a file that cannot be a profile picture (a PDF, more than 5 MB:
 * the profile photo limits), is not documented; the sandbox answers error 100 naming the parameter, as Graph does for
 * other invalid parameters.
 */

/** The one Meta app the sandbox plays (its id is made up; Graph ids are numeric strings). Every number's token is its. */
export const sandboxApp = { id: '1000000000000001', name: 'wabridge sandbox app' };

const uploadFileTypes: ReadonlySet<string> = new Set(['application/pdf', 'image/jpeg', 'image/jpg', 'image/png', 'video/mp4']);
/**
 * Meta publishes no session size limit; the sandbox keeps files in memory, so it takes up to 100 MB (Meta's largest
 * media, documents) and refuses more as an invalid `file_length`.
 */
export const uploadFileBytesMax = 100 * 1024 * 1024;
/** The profile photo limits: at most 5 MB, JPEG or PNG (WhatsApp Business API profile photo reference). */
const profilePictureBytesMax = 5 * 1024 * 1024;

export interface UploadSession {
  id: string;
  accessToken: string;
  fileLength: number;
  fileType: string;
  fileName: string | undefined;
  chunks: Buffer[];
  receivedBytes: number;
  handle: string | undefined;
}

export interface ProfilePicture {
  id: string;
  bytes: Buffer;
  mimeType: string;
}

function invalidParameter(name: string, why: string): GraphError {
  return new GraphError(100, `Param ${name} ${why}`, { message: `(#100) Param ${name} ${why}` });
}

/** The token of a call that must carry it as a header: `OAuth …` (as documented) or `Bearer …`. */
function headerToken(request: Request): string | undefined {
  const match = /^(?:OAuth|Bearer)\s+(\S+)$/i.exec(request.get('authorization') ?? '');
  return match?.[1];
}

function queryOrHeaderToken(request: Request): string | undefined {
  const query = request.query.access_token;
  return headerToken(request) ?? (typeof query === 'string' && query !== '' ? query : undefined);
}

function ownerOfToken(context: SandboxContext, token: string | undefined): string {
  const known = token !== undefined && [...context.state.numbers.values()].some((number) => number.accessToken === token);
  if (!known || token === undefined) throw new GraphError(190, 'Invalid OAuth access token');
  return token;
}

/** `POST /{app-id}/uploads`: a new session for a described file. */
export function openUploadSession(context: SandboxContext, request: Request, appId: string): { id: string } {
  const token = ownerOfToken(context, queryOrHeaderToken(request));
  if (appId !== sandboxApp.id) throw unsupportedRequest('POST', appId);
  const { file_length: lengthText, file_type: fileType, file_name: fileName } = request.query;
  if (typeof lengthText !== 'string' || !/^\d{1,12}$/.test(lengthText) || Number(lengthText) === 0) {
    throw invalidParameter('file_length', 'must be the file size in bytes, a positive integer');
  }
  if (Number(lengthText) > uploadFileBytesMax) throw invalidParameter('file_length', `must be at most ${uploadFileBytesMax}`);
  if (typeof fileType !== 'string' || !uploadFileTypes.has(fileType)) {
    throw invalidParameter('file_type', `must be one of {${[...uploadFileTypes].join(', ')}}`);
  }
  const id = `upload:${randomBytes(24).toString('base64url')}`;
  context.state.uploadSessions.set(id, {
    id,
    accessToken: token,
    fileLength: Number(lengthText),
    fileType,
    fileName: typeof fileName === 'string' ? fileName : undefined,
    chunks: [],
    receivedBytes: 0,
    handle: undefined,
  });
  // Meta's session ids carry a signature parameter (`upload:MTph…?sig=ARZq…`); clients must keep it as given.
  return { id: `${id}?sig=${randomBytes(9).toString('base64url')}` };
}

function sessionOf(context: SandboxContext, request: Request, sessionId: string): UploadSession {
  const token = headerToken(request);
  if (token === undefined) {
    throw new GraphError(190, 'An access token must be sent as the Authorization header (OAuth <token>) of an upload');
  }
  const session = context.state.uploadSessions.get(sessionId);
  if (session === undefined || session.accessToken !== ownerOfToken(context, token)) throw unsupportedRequest('POST', sessionId);
  return session;
}

/** `POST /upload:<session>`: the bytes from `file_offset` on; the handle once the file is whole. */
export function receiveUploadBytes(
  context: SandboxContext,
  request: Request,
  sessionId: string,
  body: Buffer,
): { h: string } | { id: string; file_offset: number } {
  const session = sessionOf(context, request, sessionId);
  const offsetText = request.get('file_offset');
  if (offsetText === undefined || !/^\d+$/.test(offsetText)) {
    throw invalidParameter('file_offset', 'must be sent as an HTTP header: the offset to upload from');
  }
  if (Number(offsetText) !== session.receivedBytes) {
    throw invalidParameter('file_offset', `must be ${session.receivedBytes}, where this session stands`);
  }
  if (session.receivedBytes + body.length > session.fileLength) {
    throw invalidParameter('file_length', `is ${session.fileLength}, fewer bytes than were sent`);
  }
  session.chunks.push(body);
  session.receivedBytes += body.length;
  if (session.receivedBytes < session.fileLength) return { id: session.id, file_offset: session.receivedBytes };
  session.handle ??= `4:${Buffer.from(session.fileName ?? 'file').toString('base64')}:${session.fileType}:${randomBytes(18).toString('base64url')}`;
  return { h: session.handle };
}

/** `GET /upload:<session>`: where an interrupted upload resumes. */
export function uploadSessionStatus(context: SandboxContext, request: Request, sessionId: string) {
  const session = sessionOf(context, request, sessionId);
  return { id: session.id, file_offset: session.receivedBytes };
}

/** JPEG and PNG by their signatures: Meta decodes the picture, so bytes that are not one cannot be it. */
function isJpegOrPng(bytes: Buffer): boolean {
  const jpeg = bytes.length > 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  const png = bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  return jpeg || png;
}

/**
 * The picture a `profile_picture_handle` names, for the number whose token set it: a whole upload of the same token,
 * a JPEG or PNG of at most 5 MB. Kept under a new id, served at `/pps/{id}` (Meta's pictures are on pps.whatsapp.net).
 */
export function pictureOfHandle(context: SandboxContext, accessToken: string, handle: string): ProfilePicture {
  const session = [...context.state.uploadSessions.values()].find(
    (candidate) => candidate.handle === handle && candidate.accessToken === accessToken,
  );
  if (session === undefined) throw invalidParameter('profile_picture_handle', 'is not a valid uploaded file handle');
  const bytes = Buffer.concat(session.chunks);
  if (!['image/jpeg', 'image/jpg', 'image/png'].includes(session.fileType) || !isJpegOrPng(bytes)) {
    throw invalidParameter('profile_picture_handle', 'must be the handle of a JPEG or PNG image');
  }
  if (bytes.length > profilePictureBytesMax) {
    throw invalidParameter('profile_picture_handle', `must be an image of at most ${profilePictureBytesMax} bytes`);
  }
  const picture = { id: randomBytes(12).toString('hex'), bytes, mimeType: session.fileType.replace('jpg', 'jpeg') };
  context.state.profilePictures.set(picture.id, picture);
  return picture;
}
