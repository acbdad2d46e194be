import { profilePictureBytesMax } from '@wabridge/shared';
import type { Request } from 'express';
import { DomainError } from '../domain/errors.js';
import { readCapped } from '../http/read-capped.js';
import { sniffMedia } from '../media/sniff.js';
import { declaredMimeType } from '../media/types.js';

export interface ReceivedPicture {
  bytes: Buffer;
  mimeType: 'image/jpeg' | 'image/png';
}

/**
 * A profile picture from the request body, checked before Meta is called: at most 5 MB (read no further, the rest
 * discarded so the refusal still reaches the client), and a JPEG or PNG by its content, whatever the Content-Type
 * says (a declared type that the content contradicts is refused too, since the client then does not know what it sent).
 */
export async function receivedPicture(request: Request): Promise<ReceivedPicture> {
  const read = await readCapped(request, profilePictureBytesMax, 'discard');
  if (!read.complete) {
    throw new DomainError('profile_picture_too_large', `The picture is larger than ${profilePictureBytesMax} bytes.`, {
      bytes_max: profilePictureBytesMax,
    });
  }
  const sniffed = read.bytes.length === 0 ? undefined : await sniffMedia(read.bytes);
  const mimeType = sniffed?.accepted === true ? sniffed.type.mime : undefined;
  if (mimeType !== 'image/jpeg' && mimeType !== 'image/png') {
    const detected = sniffed === undefined ? 'nothing' : sniffed.accepted ? sniffed.type.mime : (sniffed.detected ?? 'unknown');
    throw new DomainError('profile_picture_type_not_allowed', `The picture is ${detected}, not a JPEG or PNG image.`);
  }
  const declared = declaredMimeType(request.get('content-type'));
  if (declared !== undefined && declared !== mimeType) {
    throw new DomainError('profile_picture_type_not_allowed', `The picture is ${mimeType}, but was sent as ${declared}.`);
  }
  return { bytes: read.bytes, mimeType };
}
