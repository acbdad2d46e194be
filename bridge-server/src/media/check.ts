import { createHash } from 'node:crypto';
import type { MediaKind, MediaMime } from '@wabridge/shared';
import { DomainError } from '../domain/errors.js';
import { sniffMedia } from './sniff.js';
import { aKind, allowedMimeTypes, declaredMimeType, describeAllowedTypes, extensionOf, mediaTypeOf } from './types.js';

/** The largest file accepted per kind, in bytes (configuration: MEDIA_*_BYTES_MAX). */
export type MediaLimits = Readonly<Record<MediaKind, number>>;

/** A file as it arrived: its bytes (all of them, or its beginning when it was longer than we read) and its claims. */
export interface ReceivedFile {
  bytes: Buffer;
  /** False when reading stopped at the size cap: `bytes` is only the beginning of the file. */
  complete: boolean;
  /** The whole file's size when known: read entirely, or announced by Content-Length. */
  sizeBytes: number | undefined;
  /** The Content-Type it came with. */
  contentType: string | undefined;
  /** Who declared the Content-Type, for messages: "the Content-Type header", "the server". */
  contentTypeSource: string;
  /** A file name the client gave: its extension must agree with the content. */
  filename: string | undefined;
  /** A file name guessed from where the file came from (a URL path): kept only if its extension agrees. */
  filenameGuess?: string | undefined;
}

export interface CheckedFile {
  kind: MediaKind;
  mimeType: MediaMime;
  bytes: Buffer;
  sizeBytes: number;
  sha256: string;
  filename: string | undefined;
  /** The extension to name the file with when it has no name (Meta records a file name with every upload). */
  extension: string;
}

const integer = new Intl.NumberFormat('en-US');
const megabytes = new Intl.NumberFormat('en-US', { maximumFractionDigits: 3 });

/** "5,000,000 bytes (5 MB)": the limit in both units people and programs read. */
export function describeBytes(bytes: number): string {
  return `${integer.format(bytes)} bytes (${megabytes.format(bytes / 1_000_000)} MB)`;
}

function notAllowed(detail: string, kind: MediaKind | undefined): DomainError {
  return new DomainError('media_type_not_allowed', detail, { allowed_types: allowedMimeTypes(kind) });
}

/**
 * Decides what a file is and whether it may be sent, in this order: the content must be an accepted type (read from
 * the bytes); what was declared about it (Content-Type, file name, the kind asked for) must agree with the content;
 * and it must fit the kind's limit. The kind is the content's, never the declaration's.
 */
export async function checkMediaFile(
  file: ReceivedFile,
  options: { limits: MediaLimits; expectedKind?: MediaKind | undefined },
): Promise<CheckedFile> {
  const { limits, expectedKind } = options;
  if (file.bytes.length === 0) throw notAllowed('The file is empty.', expectedKind);
  const sniffed = await sniffMedia(file.bytes);
  if (!sniffed.accepted) {
    const what = sniffed.detected === undefined ? 'not a file type the bridge recognises' : sniffed.detected;
    const hint = sniffed.hint === undefined ? '' : ` (${sniffed.hint})`;
    const accepted =
      expectedKind === undefined ? describeAllowedTypes() : `${aKind(expectedKind)}: ${describeAllowedTypes(expectedKind)}`;
    throw notAllowed(`The content is ${what}${hint}; accepted are ${accepted}.`, expectedKind);
  }
  const { type } = sniffed;
  const declared = declaredMimeType(file.contentType);
  if (declared !== undefined && declared !== type.mime) {
    throw new DomainError(
      'media_content_mismatch',
      `${file.contentTypeSource} says ${declared} but the content is ${type.label} (${type.mime}).`,
      { declared_type: declared, content_type: type.mime },
    );
  }
  const extension = file.filename === undefined ? undefined : extensionOf(file.filename);
  if (extension !== undefined && !type.extensions.includes(extension)) {
    throw new DomainError(
      'media_content_mismatch',
      `The file name ${file.filename} ends in .${extension} but the content is ${type.label} (.${type.extensions.join(', .')}).`,
      { filename: file.filename, content_type: type.mime },
    );
  }
  if (expectedKind !== undefined && expectedKind !== type.kind) {
    throw new DomainError(
      'media_content_mismatch',
      `media.kind is ${expectedKind} but the file is ${aKind(type.kind)} (${type.label}).`,
      { expected_kind: expectedKind, content_kind: type.kind, content_type: type.mime },
    );
  }
  const limitBytes = limits[type.kind];
  const sizeBytes = file.complete ? file.bytes.length : file.sizeBytes;
  if (!file.complete || (sizeBytes !== undefined && sizeBytes > limitBytes)) {
    const size = sizeBytes === undefined ? `more than ${describeBytes(limitBytes)}` : describeBytes(sizeBytes);
    throw new DomainError(
      'media_too_large',
      `The ${type.kind} is ${size}; this deployment accepts ${type.kind === 'audio' ? 'audio files' : `${type.kind}s`} of up to ${describeBytes(limitBytes)}.`,
      { kind: type.kind, limit_bytes: limitBytes, ...(sizeBytes !== undefined ? { size_bytes: sizeBytes } : {}) },
    );
  }
  const guess = file.filenameGuess;
  const guessAgrees = guess !== undefined && type.extensions.includes(extensionOf(guess) ?? '');
  return {
    kind: type.kind,
    mimeType: type.mime,
    bytes: file.bytes,
    sizeBytes: file.bytes.length,
    sha256: createHash('sha256').update(file.bytes).digest('hex'),
    filename: file.filename ?? (guessAgrees ? guess : undefined),
    extension: extension ?? type.extensions[0]!,
  };
}

/**
 * How many bytes to read before giving up on a file declared as `contentType`: its kind's limit, or the largest
 * limit when the declaration names no accepted type (the content will tell).
 */
export function readCapBytes(contentType: string | undefined, limits: MediaLimits): number {
  const declared = declaredMimeType(contentType);
  const kind = declared === undefined ? undefined : mediaTypeOf(declared)?.kind;
  return kind === undefined ? Math.max(...Object.values(limits)) : limits[kind];
}
