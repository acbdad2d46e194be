import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sandboxApp } from '../../src/meta-sandbox/resumable-upload.js';
import { jpeg, pdf, png } from '../support/media-files.js';
import { graphVersion, type Harness, type Json, startHarness, testNumber } from './harness.js';

/** The Resumable Upload API and the profile picture it carries (meta-sandbox/resumable-upload.ts). */
let harness: Harness;
beforeEach(async () => {
  harness = await startHarness();
});
afterEach(async () => {
  await harness.close();
});

async function openSession(query: Record<string, string>, token: string | null = testNumber.access_token, appId = sandboxApp.id) {
  return harness.graph('POST', `/${appId}/uploads?${new URLSearchParams(query)}`, undefined, token);
}

/** `POST /upload:…?sig=…` as Meta documents it: the token as `OAuth`, the offset as a header, the bytes as the body. */
async function sendBytes(
  sessionId: string,
  bytes: Uint8Array,
  headers: Record<string, string>,
): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${harness.url}/${graphVersion}/${sessionId}`, { method: 'POST', headers, body: bytes });
  return { status: response.status, body: await response.json() };
}

const oauth = { Authorization: `OAuth ${testNumber.access_token}` };

async function uploaded(bytes: Buffer, fileType: string): Promise<string> {
  const session = await openSession({ file_length: String(bytes.length), file_type: fileType, file_name: 'picture' });
  expect(session.status).toBe(200);
  const answer = await sendBytes(session.body.id, bytes, { ...oauth, file_offset: '0' });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body.h;
}

function setPicture(handle: string) {
  return harness.graph('POST', `/${testNumber.phone_number_id}/whatsapp_business_profile`, {
    messaging_product: 'whatsapp',
    profile_picture_handle: handle,
  });
}

async function pictureUrl(): Promise<string | undefined> {
  const profile = await harness.graph('GET', `/${testNumber.phone_number_id}/whatsapp_business_profile`);
  return profile.body.data[0].profile_picture_url;
}

describe('the Resumable Upload API', () => {
  it('opens a session on the app, takes the bytes at offset 0 and answers a handle the profile takes as its picture', async () => {
    const picture = png();
    const session = await openSession({ file_length: String(picture.length), file_type: 'image/png', file_name: 'logo.png' });
    expect(session.body.id).toMatch(/^upload:[\w-]+\?sig=[\w-]+$/);
    const status = await fetch(`${harness.url}/${graphVersion}/${session.body.id}`, { headers: oauth });
    expect(await status.json()).toMatchObject({ file_offset: 0 });
    const answer = await sendBytes(session.body.id, picture, { ...oauth, file_offset: '0', 'Content-Type': 'image/png' });
    expect(answer.body).toEqual({ h: expect.any(String) });

    expect((await setPicture(answer.body.h)).body).toEqual({ success: true });
    const url = await pictureUrl();
    expect(url).toMatch(/\/pps\/[0-9a-f]{24}$/);
    const served = await fetch(url as string);
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await served.arrayBuffer()).equals(picture)).toBe(true);
  });

  it.each([
    ['a file type Meta does not take', { file_length: '100', file_type: 'image/gif' }, /file_type/],
    ['no file type', { file_length: '100' }, /file_type/],
    ['a length that is not a positive integer', { file_length: '0', file_type: 'image/png' }, /file_length/],
  ])('refuses a session for %s with error 100', async (_case, query, message) => {
    const refused = await openSession(query);
    expect([refused.status, refused.body.error.code]).toEqual([400, 100]);
    expect(refused.body.error.message).toMatch(message);
  });

  it('refuses a session on another app (100/33) and without a valid token (190)', async () => {
    const otherApp = await openSession(
      { file_length: '10', file_type: 'image/png' },
      testNumber.access_token,
      '1000000000000002',
    );
    expect([otherApp.body.error.code, otherApp.body.error.error_subcode]).toEqual([100, 33]);
    expect((await openSession({ file_length: '10', file_type: 'image/png' }, 'EAAnot-a-token')).body.error.code).toBe(190);
  });

  it('refuses bytes without the file_offset header, at the wrong offset, beyond the length, or with the token in the query', async () => {
    const picture = jpeg();
    const session = (await openSession({ file_length: String(picture.length), file_type: 'image/jpeg' })).body.id as string;
    const missing = await sendBytes(session, picture, oauth);
    expect([missing.status, missing.body.error.code]).toEqual([400, 100]);
    expect(missing.body.error.message).toMatch(/file_offset/);
    expect((await sendBytes(`${session}&file_offset=0`, picture, oauth)).body.error.message).toMatch(/file_offset/);
    expect((await sendBytes(session, picture, { ...oauth, file_offset: '5' })).body.error.message).toMatch(/file_offset/);
    const tooMany = await sendBytes(session, Buffer.concat([picture, picture]), { ...oauth, file_offset: '0' });
    expect(tooMany.body.error.message).toMatch(/file_length/);
    const queryToken = await fetch(`${harness.url}/${graphVersion}/${session}&access_token=${testNumber.access_token}`, {
      method: 'POST',
      headers: { file_offset: '0' },
      body: picture,
    });
    expect(((await queryToken.json()) as Json).error.code).toBe(190);
    // Nothing of that was taken: the whole file still goes at offset 0.
    expect((await sendBytes(session, picture, { ...oauth, file_offset: '0' })).body.h).toEqual(expect.any(String));
  });

  it('refuses as a profile picture an unknown handle, a PDF, and an image over 5 MB; the picture stays as it was', async () => {
    const first = await uploaded(png(), 'image/png');
    await setPicture(first);
    const before = await pictureUrl();
    for (const handle of [
      '4:bm90LWEtaGFuZGxl:image/png:nothing',
      await uploaded(pdf(), 'application/pdf'),
      await uploaded(png(5 * 1024 * 1024 + 1), 'image/png'),
    ]) {
      const refused = await setPicture(handle);
      expect([refused.status, refused.body.error.code], handle).toEqual([400, 100]);
      expect(refused.body.error.message).toMatch(/profile_picture_handle/);
    }
    // An image declared as one but not one is refused too.
    expect((await setPicture(await uploaded(pdf(), 'image/jpeg'))).body.error.code).toBe(100);
    expect(await pictureUrl()).toBe(before);
  });
});
