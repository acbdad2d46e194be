import * as z from 'zod';
import { prefixedId, timestamp } from './common.js';

/**
 * The files WhatsApp messages may carry through the bridge: the attachment types of seed 001 (SalesIQ's
 * WhatsApp channel: image jpeg/png/jpg, document pdf, video 3gp/mp4, audio mp3/mpeg/ogg/amr), each one that
 * Meta's Cloud API also accepts (Meta's "Supported media types"). Ogg audio must carry Opus: Meta does not
 * take "base audio/ogg" (Vorbis). `mime` is the canonical type the bridge declares to Meta; `extensions` are the
 * file-name extensions that may name such a file.
 */
export const mediaTypes = {
  image: [
    { mime: 'image/jpeg', label: 'JPEG', extensions: ['jpg', 'jpeg', 'jpe', 'jfif'] },
    { mime: 'image/png', label: 'PNG', extensions: ['png'] },
  ],
  document: [{ mime: 'application/pdf', label: 'PDF', extensions: ['pdf'] }],
  video: [
    { mime: 'video/mp4', label: 'MP4', extensions: ['mp4'] },
    { mime: 'video/3gpp', label: '3GP', extensions: ['3gp', '3gpp'] },
  ],
  audio: [
    { mime: 'audio/mpeg', label: 'MP3', extensions: ['mp3', 'mpeg', 'mpga'] },
    { mime: 'audio/ogg', label: 'Ogg Opus', extensions: ['ogg', 'opus', 'oga'] },
    { mime: 'audio/amr', label: 'AMR', extensions: ['amr'] },
  ],
} as const;

export const mediaKinds = ['image', 'document', 'video', 'audio'] as const;
export type MediaKind = (typeof mediaKinds)[number];
export type MediaMime = (typeof mediaTypes)[MediaKind][number]['mime'];

export const mediaKind = z.enum(mediaKinds).meta({
  id: 'MediaKind',
  description: 'What WhatsApp shows: image (JPEG, PNG), document (PDF), video (MP4, 3GP), audio (MP3, Ogg Opus, AMR).',
});

/** Every MIME type the bridge accepts, in the order of `mediaTypes`. */
export const mediaMimeTypes: readonly MediaMime[] = mediaKinds.flatMap((kind) => mediaTypes[kind].map((type) => type.mime));

export const mediaUploadId = prefixedId('med', 'Media upload ID: a file uploaded to Meta for one deployment.');

function isControlCharacter(character: string): boolean {
  const code = character.codePointAt(0) ?? 0;
  return code < 0x20 || code === 0x7f;
}

/** Shown to the customer for documents; never a path, so no slashes, and no control characters. */
export const mediaFilename = z
  .string()
  .min(1)
  .max(240)
  .refine(
    (name) => ![...name].some((character) => character === '/' || character === '\\' || isControlCharacter(character)),
    'must be a file name without slashes or control characters',
  )
  .meta({ example: 'invoice-2026-11.pdf' });

export const mediaUpload = z
  .object({
    id: mediaUploadId,
    kind: mediaKind,
    mime_type: z.enum(mediaMimeTypes as [MediaMime, ...MediaMime[]]).meta({
      description: 'Derived from the content, not from what the client declared.',
    }),
    size_bytes: z.number().int(),
    filename: z.string().nullable(),
    sha256: z.string().meta({ description: 'SHA-256 of the content, 64 hexadecimal characters.' }),
    created_at: timestamp,
    expires_at: timestamp.meta({ description: 'When Meta forgets the uploaded file (30 days after the upload).' }),
  })
  .meta({ id: 'MediaUpload', description: 'A file uploaded to Meta for the installation’s deployment, ready to send.' });

export const uploadMediaQuery = z.strictObject({
  filename: mediaFilename.optional().meta({
    description: 'The file’s name; its extension must agree with the content. Documents show it to the customer.',
  }),
});

export const mediaPath = z.strictObject({ media_id: mediaUploadId });

/** `media` of `POST /v1/messages`: a file by URL (fetched by the bridge) or by upload id. */
export const sendMediaContent = z
  .strictObject({
    kind: mediaKind,
    url: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
      .max(2048)
      .optional()
      .meta({ description: 'The bridge downloads the file itself (https only unless configured otherwise).' }),
    upload_id: mediaUploadId.optional().meta({ description: 'A file uploaded with `POST /v1/media` for this deployment.' }),
    caption: z.string().min(1).max(1024).optional().meta({ description: 'Image, video and document only (Meta: ≤ 1,024).' }),
    filename: mediaFilename.optional().meta({ description: 'Documents only: the name the customer sees.' }),
  })
  .superRefine((media, context) => {
    if ((media.url === undefined) === (media.upload_id === undefined)) {
      context.addIssue({
        code: 'custom',
        path: [],
        message: 'give exactly one of url or upload_id',
        params: { problem: 'one_media_source_required' },
      });
    }
    if (media.filename !== undefined && media.kind !== 'document') {
      context.addIssue({
        code: 'custom',
        path: ['filename'],
        message: 'only documents carry a file name on WhatsApp',
        params: { problem: 'filename_not_allowed' },
      });
    }
    if (media.caption !== undefined && media.kind === 'audio') {
      context.addIssue({
        code: 'custom',
        path: ['caption'],
        message: 'WhatsApp audio messages have no caption',
        params: { problem: 'caption_not_allowed' },
      });
    }
  })
  .meta({ id: 'SendMediaContent', description: 'A free-form media reply: only inside the customer service window.' });

/** How a media message is shown: what was sent, from which upload. */
export const messageMedia = z
  .object({
    kind: mediaKind,
    upload_id: mediaUploadId,
    mime_type: z.string(),
    size_bytes: z.number().int(),
    filename: z.string().nullable(),
    caption: z.string().nullable(),
  })
  .meta({ id: 'MessageMedia' });

export type MediaUpload = z.infer<typeof mediaUpload>;
export type SendMediaContent = z.infer<typeof sendMediaContent>;
export type MessageMedia = z.infer<typeof messageMedia>;
