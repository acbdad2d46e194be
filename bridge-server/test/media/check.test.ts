import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import { checkMediaFile, describeBytes, type MediaLimits, type ReceivedFile, readCapBytes } from '../../src/media/check.js';
import { amr, exe, jpeg, mp3, mp4, oggOpus, oggVorbis, pdf, png, threeGp, zip } from '../support/media-files.js';

const limits: MediaLimits = { image: 2_048, document: 20_000_000, video: 15_000_000, audio: 15_000_000 };

function received(bytes: Buffer, overrides: Partial<ReceivedFile> = {}): ReceivedFile {
  return {
    bytes,
    complete: true,
    sizeBytes: bytes.length,
    contentType: undefined,
    contentTypeSource: 'The Content-Type header',
    filename: undefined,
    ...overrides,
  };
}

async function refusal(file: ReceivedFile, expectedKind?: 'image' | 'document' | 'video' | 'audio'): Promise<DomainError> {
  const error = await checkMediaFile(file, { limits, expectedKind }).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
}

describe('checkMediaFile', () => {
  it.each([
    ['a JPEG', jpeg(), 'image', 'image/jpeg'],
    ['a PNG', png(), 'image', 'image/png'],
    ['a PDF', pdf(), 'document', 'application/pdf'],
    ['an MP4', mp4(), 'video', 'video/mp4'],
    ['a 3GP', threeGp(), 'video', 'video/3gpp'],
    ['an MP3', mp3(), 'audio', 'audio/mpeg'],
    ['an Ogg Opus', oggOpus(), 'audio', 'audio/ogg'],
    ['an AMR', amr(), 'audio', 'audio/amr'],
  ])('reads %s as what its content is, whatever it is called', async (_case, bytes, kind, mime) => {
    const checked = await checkMediaFile(received(bytes), { limits });
    expect(checked).toMatchObject({
      kind,
      mimeType: mime,
      sizeBytes: bytes.length,
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it.each([
    ['an executable', exe(), 'application/x-msdownload'],
    ['a ZIP archive', zip(), 'application/zip'],
    ['plain text', Buffer.from('hello, world'), 'not a file type the bridge recognises'],
    ['Ogg Vorbis', oggVorbis(), 'Ogg Vorbis audio (Ogg audio must be Opus)'],
  ])('refuses %s as a type not allowed, naming the accepted types', async (_case, bytes, what) => {
    const error = await refusal(received(bytes, { contentType: 'application/pdf', filename: 'x.pdf' }));
    expect(error.code).toBe('media_type_not_allowed');
    expect(error.detail).toContain(what);
    expect(error.detail).toContain('image (JPEG, PNG), document (PDF), video (MP4, 3GP), audio (MP3, Ogg Opus, AMR)');
    expect(error.facts.allowed_types).toContain('application/pdf');
  });

  it('refuses an empty file', async () => {
    expect((await refusal(received(Buffer.alloc(0)))).code).toBe('media_type_not_allowed');
  });

  it('refuses a declared type the content contradicts, and takes aliases and "some bytes" as agreeing', async () => {
    const mismatch = await refusal(received(png(), { contentType: 'application/pdf' }));
    expect(mismatch.code).toBe('media_content_mismatch');
    expect(mismatch.detail).toBe('The Content-Type header says application/pdf but the content is PNG (image/png).');
    expect(mismatch.facts).toEqual({ declared_type: 'application/pdf', content_type: 'image/png' });
    for (const contentType of ['image/jpg', 'IMAGE/JPEG; charset=binary', 'application/octet-stream', undefined]) {
      expect((await checkMediaFile(received(jpeg(), { contentType }), { limits })).mimeType).toBe('image/jpeg');
    }
  });

  it('refuses a file name whose extension the content contradicts', async () => {
    const error = await refusal(received(png(), { filename: 'invoice.pdf' }));
    expect(error.code).toBe('media_content_mismatch');
    expect(error.detail).toContain('invoice.pdf ends in .pdf but the content is PNG');
    for (const filename of ['photo.PNG', 'photo', '.png', 'archive.tar.png']) {
      expect((await checkMediaFile(received(png(), { filename }), { limits })).filename).toBe(filename);
    }
  });

  it('keeps a guessed file name only when it agrees with the content', async () => {
    expect((await checkMediaFile(received(pdf(), { filenameGuess: 'report.pdf' }), { limits })).filename).toBe('report.pdf');
    expect((await checkMediaFile(received(pdf(), { filenameGuess: 'download.php' }), { limits })).filename).toBeUndefined();
  });

  it('refuses a file of another kind than the one asked for', async () => {
    const error = await refusal(received(pdf()), 'image');
    expect(error.code).toBe('media_content_mismatch');
    expect(error.detail).toBe('media.kind is image but the file is a document (PDF).');
  });

  it('takes a file exactly at its kind’s limit and refuses one byte more, naming the limit in bytes and MB', async () => {
    expect((await checkMediaFile(received(png(2_048)), { limits })).sizeBytes).toBe(2_048);
    const error = await refusal(received(png(2_049)));
    expect(error.code).toBe('media_too_large');
    expect(error.detail).toBe(
      'The image is 2,049 bytes (0.002 MB); this deployment accepts images of up to 2,048 bytes (0.002 MB).',
    );
    expect(error.facts).toEqual({ kind: 'image', limit_bytes: 2_048, size_bytes: 2_049 });
  });

  it('refuses a file whose reading stopped at the cap, even when its size was never announced', async () => {
    const error = await refusal(received(png(2_048), { complete: false, sizeBytes: undefined }));
    expect(error.code).toBe('media_too_large');
    expect(error.detail).toContain('is more than 2,048 bytes');
  });

  it('describes sizes in bytes and decimal megabytes', () => {
    expect(describeBytes(5_000_000)).toBe('5,000,000 bytes (5 MB)');
    expect(describeBytes(15_000_000)).toBe('15,000,000 bytes (15 MB)');
    expect(describeBytes(5_242_880)).toBe('5,242,880 bytes (5.243 MB)');
  });

  it('reads at most the declared kind’s limit, or the largest when the content must decide', () => {
    expect(readCapBytes('image/png', limits)).toBe(2_048);
    expect(readCapBytes('image/jpg', limits)).toBe(2_048);
    expect(readCapBytes('audio/ogg; codecs=opus', limits)).toBe(15_000_000);
    expect(readCapBytes('application/octet-stream', limits)).toBe(20_000_000);
    expect(readCapBytes(undefined, limits)).toBe(20_000_000);
  });
});
