import { fileTypeFromBuffer } from 'file-type';
import { type MediaType, mediaTypeOf } from './types.js';

/** What the content is: one of the accepted types, or what it was recognised as (for the refusal). */
export type Sniffed = { accepted: true; type: MediaType } | { accepted: false; detected: string | undefined; hint?: string };

/**
 * Reads the type from the content's signature (file-type: magic numbers, container headers), never from a name.
 *
 * file-type 21 tells apart everything the table needs: JPEG, PNG, PDF, the ISO media `ftyp` brands (`3gp*` is 3GP,
 * other video brands MP4; `M4A ` is audio/x-m4a, which we do not take), MP3 frames (after an ID3 tag too), Ogg by
 * its first packet (`OpusHead` → Opus; Vorbis, FLAC, Speex are Ogg too but Meta takes only Opus), and AMR by its
 * `#!AMR` header (checked in bridge-server/test/media/sniff.test.ts, so no manual check is needed).
 */
export async function sniffMedia(bytes: Uint8Array): Promise<Sniffed> {
  const found = await fileTypeFromBuffer(bytes);
  if (found === undefined) return { accepted: false, detected: undefined };
  const accepted = acceptedType(found.ext, found.mime);
  if (accepted !== undefined) return { accepted: true, type: accepted };
  if (found.mime === 'audio/ogg') {
    return {
      accepted: false,
      detected: `Ogg ${found.ext === 'ogg' ? 'Vorbis' : found.ext} audio`,
      hint: 'Ogg audio must be Opus',
    };
  }
  return { accepted: false, detected: found.mime };
}

function acceptedType(extension: string, mime: string): MediaType | undefined {
  switch (`${extension} ${mime}`) {
    case 'jpg image/jpeg':
      return mediaTypeOf('image/jpeg');
    case 'png image/png':
      return mediaTypeOf('image/png');
    case 'pdf application/pdf':
      return mediaTypeOf('application/pdf');
    case 'mp4 video/mp4':
      return mediaTypeOf('video/mp4');
    case '3gp video/3gpp':
      return mediaTypeOf('video/3gpp');
    case 'mp3 audio/mpeg':
      return mediaTypeOf('audio/mpeg');
    case 'opus audio/ogg; codecs=opus':
      return mediaTypeOf('audio/ogg');
    case 'amr audio/amr':
      return mediaTypeOf('audio/amr');
    default:
      return undefined;
  }
}
