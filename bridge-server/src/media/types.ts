import { type MediaKind, type MediaMime, mediaKinds, mediaTypes } from '@wabridge/shared';

/** One accepted file type, from the contract's table (shared/src/contract/media.ts). */
export interface MediaType {
  kind: MediaKind;
  mime: MediaMime;
  label: string;
  extensions: readonly string[];
}

const allTypes: readonly MediaType[] = mediaKinds.flatMap((kind) => mediaTypes[kind].map((type) => ({ kind, ...type })));

/** Other names clients and servers give the same types. */
const aliases: Readonly<Record<string, MediaMime>> = {
  'image/jpg': 'image/jpeg',
  'image/pjpeg': 'image/jpeg',
  'application/x-pdf': 'application/pdf',
  'video/3gp': 'video/3gpp',
  'audio/mp3': 'audio/mpeg',
  'audio/mpeg3': 'audio/mpeg',
  'audio/x-mpeg': 'audio/mpeg',
  'audio/x-mp3': 'audio/mpeg',
  'audio/opus': 'audio/ogg',
  'audio/x-amr': 'audio/amr',
};

/** Types that say nothing about the content: a declaration of "some bytes" that any content agrees with. */
const undeclaredTypes: ReadonlySet<string> = new Set(['application/octet-stream', 'binary/octet-stream', 'application/unknown']);

export function mediaTypeOf(mime: string): MediaType | undefined {
  return allTypes.find((type) => type.mime === mime);
}

/**
 * A Content-Type as a bare, lower-case type with aliases resolved (`image/JPG; name=a` → `image/jpeg`); undefined
 * when absent or one of the types that declare nothing.
 */
export function declaredMimeType(contentType: string | undefined): string | undefined {
  const bare = contentType?.split(';')[0]?.trim().toLowerCase();
  if (bare === undefined || bare === '' || undeclaredTypes.has(bare)) return undefined;
  return aliases[bare] ?? bare;
}

/** The extension of a file name, lower case, without the dot; undefined when it has none. */
export function extensionOf(filename: string): string | undefined {
  const match = /\.([^.]+)$/.exec(filename);
  return match === null || match.index === 0 ? undefined : match[1]?.toLowerCase();
}

/** "image (JPEG, PNG), document (PDF), …" or, for one kind, "JPEG or PNG". */
export function describeAllowedTypes(kind?: MediaKind): string {
  if (kind !== undefined) {
    const labels = mediaTypes[kind].map((type) => type.label);
    return labels.length === 1 ? labels[0]! : `${labels.slice(0, -1).join(', ')} or ${labels.at(-1)}`;
  }
  return mediaKinds.map((each) => `${each} (${mediaTypes[each].map((type) => type.label).join(', ')})`).join(', ');
}

export function allowedMimeTypes(kind?: MediaKind): MediaMime[] {
  return allTypes.filter((type) => kind === undefined || type.kind === kind).map((type) => type.mime);
}

/** "an image", "a document"… for sentences. */
export function aKind(kind: MediaKind): string {
  return kind === 'image' || kind === 'audio' ? `an ${kind === 'audio' ? 'audio file' : kind}` : `a ${kind}`;
}
