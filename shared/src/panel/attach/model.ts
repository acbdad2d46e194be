import { type MediaKind, mediaKinds, mediaTypes } from '../../contract/media.js';
import type { UploadToken } from '../../contract/routes/media-uploads.js';

/*
 * What a file chosen in the panel must be before it is uploaded: one of the types WhatsApp takes (the contract's
 * `mediaTypes`, from Meta's "Supported media types": developers.facebook.com/docs/whatsapp/cloud-api/reference/media/
 * #supported-media-types) and within its kind's size limit. Meta's own limits are image 5 MB, document 100 MB, video
 * and audio 16 MB; the bridge may be configured lower (its defaults: document 20 MB, video and audio 15 MB), so the
 * panel shows and checks the bridge's (`UploadToken.limits`). The bridge checks again by the file's content.
 */

export type MediaLimits = UploadToken['limits'];

/** What the panel knows of a chosen file (a browser `File` has these). */
export interface ChosenFile {
  name: string;
  type: string;
  size: number;
}

export type FileCheck =
  | { ok: true; kind: MediaKind }
  | { ok: false; reason: 'type' }
  | { ok: false; reason: 'empty' }
  | { ok: false; reason: 'size'; kind: MediaKind; limitBytes: number };

/** The kind of a file by its declared type, else by its name's extension (browsers leave `type` empty for some files). */
export function mediaKindOf(file: Pick<ChosenFile, 'name' | 'type'>): MediaKind | undefined {
  const mime = file.type.toLowerCase();
  const extension = /\.([^.]+)$/.exec(file.name)?.[1]?.toLowerCase();
  const byMime = mediaKinds.find((kind) => mediaTypes[kind].some((type) => type.mime === mime));
  if (byMime !== undefined) return byMime;
  if (mime !== '' && mime !== 'application/octet-stream') return undefined;
  return mediaKinds.find((kind) =>
    mediaTypes[kind].some((type) => (type.extensions as readonly string[]).includes(extension ?? '')),
  );
}

/** Whether `file` can be sent: of a kind WhatsApp takes (of `only`, when given: a template header's), within its limit. */
export function checkFile(file: ChosenFile, limits: MediaLimits, only?: MediaKind): FileCheck {
  const kind = mediaKindOf(file);
  if (kind === undefined || (only !== undefined && kind !== only)) return { ok: false, reason: 'type' };
  if (file.size === 0) return { ok: false, reason: 'empty' };
  if (file.size > limits[kind]) return { ok: false, reason: 'size', kind, limitBytes: limits[kind] };
  return { ok: true, kind };
}

/** The file input's `accept`: every type and extension WhatsApp takes (of one kind), so the browser's dialog offers those first. */
export function acceptedFiles(only?: MediaKind): string {
  return (only === undefined ? mediaKinds : [only])
    .flatMap((kind) => mediaTypes[kind].flatMap((type) => [type.mime, ...type.extensions.map((extension) => `.${extension}`)]))
    .join(',');
}

/** The type names of one kind (`JPEG, PNG`), or of all kinds. */
export function typeLabels(kind?: MediaKind): string {
  return (kind === undefined ? mediaKinds : [kind]).flatMap((each) => mediaTypes[each].map((type) => type.label)).join(', ');
}

/**
 * A size as the limits are written: megabytes of 1,000,000 bytes (the bridge's reading of "5 MB", the stricter one),
 * at most one decimal, in the agent's locale; kilobytes below one megabyte.
 */
export function formatBytes(bytes: number, locale: string): string {
  const megabytes = bytes / 1_000_000;
  if (megabytes >= 1) return `${new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }).format(megabytes)} MB`;
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(Math.max(1, Math.ceil(bytes / 1000)))} KB`;
}
