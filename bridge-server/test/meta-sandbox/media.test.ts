import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/support/wait-for.js';
import { amr, exe, jpeg, mp3, mp4, oggOpus, pdf, png, zip } from '../support/media-files.js';
import { customerWaId, type Harness, type Json, startHarness, testNumber } from './harness.js';

let harness: Harness;
let nowMs: number;
beforeEach(async () => {
  nowMs = Date.now();
  harness = await startHarness({ now: () => nowMs });
});
afterEach(async () => {
  await harness.close();
});

const otherNumber = { ...testNumber, phone_number_id: '200000000000001', access_token: 'EAAother-number-token' };

async function uploadedMedia(): Promise<Json[]> {
  return (await harness.control('GET', `/sandbox/media?phone_number_id=${testNumber.phone_number_id}`)).body.data;
}

function sendMedia(type: string, media: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return harness.graph('POST', `/${testNumber.phone_number_id}/messages`, {
    messaging_product: 'whatsapp',
    to: `+${customerWaId}`,
    type,
    [type]: media,
    ...extra,
  });
}

/** A Graph error as Meta writes it for these refusals: `(#100) …`, no error_data. */
function expectBareGraphError(result: { status: number; body: Json }, code: number, message: string | RegExp) {
  expect(result.status).toBe(400);
  expect(result.body.error).toMatchObject({ code, type: 'OAuthException', fbtrace_id: expect.any(String) });
  if (typeof message === 'string') expect(result.body.error.message).toBe(message);
  else expect(result.body.error.message).toMatch(message);
  expect(result.body.error.error_data).toBeUndefined();
}

describe('POST /{phone-number-id}/media', () => {
  it('keeps the file for the number and answers its id, as Meta does', async () => {
    const bytes = png();
    const answer = await harness.upload({ bytes, type: 'image/png', filename: 'pixel.png' });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ id: expect.stringMatching(/^\d{15,17}$/) });
    expect(await uploadedMedia()).toEqual([
      expect.objectContaining({
        id: answer.body.id,
        phone_number_id: testNumber.phone_number_id,
        mime_type: 'image/png',
        detected_mime_type: 'image/png',
        file_size: bytes.length,
        sha256: createHash('sha256').update(bytes).digest('hex'),
        filename: 'pixel.png',
        deleted: false,
      }),
    ]);
  });

  it('takes every type the bridge sends, declared by the file part or by the type field', async () => {
    const files = [
      { bytes: jpeg(), type: 'image/jpeg' },
      { bytes: pdf(), type: 'application/pdf' },
      { bytes: mp4(), type: 'video/mp4' },
      { bytes: mp3(), type: 'audio/mpeg' },
      { bytes: oggOpus(), type: 'audio/ogg' },
      { bytes: amr(), type: 'audio/amr' },
    ];
    for (const file of files) expect((await harness.upload(file)).status, file.type).toBe(200);
    // A part without a type of its own: the `type` field says what it is.
    expect((await harness.upload({ bytes: png(), type: '' }, { type: 'image/png' })).status).toBe(200);
    expect((await uploadedMedia()).map((media) => media.mime_type)).toEqual([...files.map((file) => file.type), 'image/png']);
  });

  it.each([
    ['messaging_product', { messaging_product: null }],
    ['type', { type: null }],
  ])('refuses a form without %s (100) and keeps nothing', async (field, fields) => {
    const answer = await harness.upload({ bytes: png(), type: 'image/png' }, fields);
    expectBareGraphError(answer, 100, `(#100) The parameter ${field} is required.`);
    expect(await uploadedMedia()).toEqual([]);
  });

  it('refuses a form without a file, and a JSON body (100)', async () => {
    expectBareGraphError(await harness.upload(null, { type: 'image/png' }), 100, '(#100) The parameter file is required.');
    const json = await harness.graph('POST', `/${testNumber.phone_number_id}/media`, {
      messaging_product: 'whatsapp',
      type: 'image/png',
    });
    expectBareGraphError(json, 100, '(#100) The parameter file is required.');
    const other = await harness.upload({ bytes: png(), type: 'image/png' }, { messaging_product: 'sms' });
    expect(other.body.error.code).toBe(100);
    expect(await uploadedMedia()).toEqual([]);
  });

  it('refuses a type Meta does not take with Meta’s list of types (100)', async () => {
    const answer = await harness.upload({ bytes: zip(), type: 'application/zip', filename: 'a.zip' });
    expectBareGraphError(
      answer,
      100,
      /^\(#100\) Param file must be a file with one of the following types: audio\/aac, .*image\/png, image\/webp, video\/mp4, video\/3gpp\. Received file of type 'application\/zip'\.$/,
    );
    expect(await uploadedMedia()).toEqual([]);
  });

  it('refuses a file over Meta’s cap for its type (131053) and keeps nothing', async () => {
    const fiveMegabytes = 5 * 1024 * 1024;
    const exactly = await harness.upload({ bytes: png(fiveMegabytes), type: 'image/png' });
    expect(exactly.status).toBe(200);
    const over = await harness.upload({ bytes: png(fiveMegabytes + 1), type: 'image/png' });
    expect(over.status).toBe(400);
    expect(over.body.error).toMatchObject({
      code: 131053,
      message: '(#131053) Media upload error',
      error_data: { messaging_product: 'whatsapp', details: expect.stringContaining(String(fiveMegabytes)) },
    });
    expect((await uploadedMedia()).map((media) => media.id)).toEqual([exactly.body.id]);
  });

  it('needs the number’s own token', async () => {
    harness.sandbox.registerNumber(otherNumber);
    expect((await harness.upload({ bytes: png(), type: 'image/png' }, {}, { token: null })).body.error.code).toBe(190);
    const foreign = await harness.upload({ bytes: png(), type: 'image/png' }, {}, { token: otherNumber.access_token });
    expect(foreign.body.error).toMatchObject({ code: 100, error_subcode: 33 });
    expect(await uploadedMedia()).toEqual([]);
  });
});

describe('GET and DELETE /{media-id}', () => {
  it('answers Meta’s fields with a download URL that needs the token and expires', async () => {
    const bytes = pdf();
    const { id } = (await harness.upload({ bytes, type: 'application/pdf', filename: 'invoice.pdf' })).body;
    const info = await harness.graph('GET', `/${id}`);
    expect(info.status).toBe(200);
    expect(Object.keys(info.body)).toEqual(['url', 'mime_type', 'sha256', 'file_size', 'id', 'messaging_product']);
    expect(info.body).toEqual({
      url: expect.stringContaining('/whatsapp_business/attachments/?mid='),
      mime_type: 'application/pdf',
      sha256: createHash('sha256').update(bytes).digest('hex'),
      file_size: bytes.length,
      id,
      messaging_product: 'whatsapp',
    });

    const download = await fetch(info.body.url, { headers: { Authorization: `Bearer ${testNumber.access_token}` } });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toContain('application/pdf');
    expect(Buffer.from(await download.arrayBuffer())).toEqual(bytes);
    expect((await fetch(info.body.url)).status).toBe(401);
    expect((await fetch(info.body.url.replace(/hash=[^&]+/, 'hash=forged'))).status).toBe(404);
    nowMs += 5 * 60_000 + 1_000;
    const late = await fetch(info.body.url, { headers: { Authorization: `Bearer ${testNumber.access_token}` } });
    expect(late.status).toBe(404);
  });

  it('shows media only to its number’s token, and only for that number with phone_number_id', async () => {
    harness.sandbox.registerNumber(otherNumber);
    const { id } = (await harness.upload({ bytes: png(), type: 'image/png' })).body;
    const foreign = await harness.graph('GET', `/${id}`, undefined, otherNumber.access_token);
    expect(foreign.body.error).toMatchObject({ code: 100, error_subcode: 33 });
    expect((await harness.graph('GET', `/${id}?phone_number_id=${testNumber.phone_number_id}`)).status).toBe(200);
    expectBareGraphError(
      await harness.graph('GET', `/${id}?phone_number_id=${otherNumber.phone_number_id}`),
      100,
      '(#100) Param phone_number_id is not a valid whatsapp business phone number id ID',
    );
  });

  it('deletes media: it can no longer be read or sent', async () => {
    await harness.inbound();
    const { id } = (await harness.upload({ bytes: png(), type: 'image/png' })).body;
    expect((await harness.graph('DELETE', `/${id}`)).body).toEqual({ success: true });
    expect((await harness.graph('GET', `/${id}`)).body.error).toMatchObject({ code: 100, error_subcode: 33 });
    expect((await sendMedia('image', { id })).body.error.code).toBe(100);
  });

  it('forgets media 30 days after the upload', async () => {
    const { id } = (await harness.upload({ bytes: png(), type: 'image/png' })).body;
    nowMs += 30 * 24 * 3_600_000 - 60_000;
    expect((await harness.graph('GET', `/${id}`)).status).toBe(200);
    nowMs += 120_000;
    expect((await harness.graph('GET', `/${id}`)).body.error).toMatchObject({ code: 100, error_subcode: 33 });
    expectBareGraphError(
      await sendMedia('image', { id }),
      100,
      "(#100) Param image['id'] is not a valid whatsapp business account media attachment ID",
    );
  });
});

describe('sending uploaded media', () => {
  it('sends an uploaded image by id, with its caption, through sent → delivered → read', async () => {
    await harness.inbound();
    const { id } = (await harness.upload({ bytes: png(), type: 'image/png' })).body;
    const sent = await sendMedia('image', { id, caption: 'Your receipt' });
    expect(sent.status).toBe(200);
    const wamid = sent.body.messages[0].id;
    const statuses = await waitFor('read', () => {
      const all = harness.receiver.statuses(wamid);
      return all.some((status) => status.status === 'read') && all;
    });
    expect(statuses.map((status) => status.status)).toEqual(['sent', 'delivered', 'read']);
    const recorded = await harness.control('GET', `/sandbox/messages/${encodeURIComponent(wamid)}`);
    expect(recorded.body.request.image).toEqual({ id, caption: 'Your receipt' });
  });

  it('refuses an id that was never uploaded, or uploaded by another number, before accepting (100)', async () => {
    await harness.inbound();
    harness.sandbox.registerNumber(otherNumber);
    const theirs = (
      await harness.upload(
        { bytes: png(), type: 'image/png' },
        {},
        { phoneNumberId: otherNumber.phone_number_id, token: otherNumber.access_token },
      )
    ).body.id;
    for (const id of ['123456789012345', theirs]) {
      expectBareGraphError(
        await sendMedia('image', { id }),
        100,
        "(#100) Param image['id'] is not a valid whatsapp business account media attachment ID",
      );
    }
    expectBareGraphError(
      await sendMedia('document', { id: '123456789012345', filename: 'a.pdf' }),
      100,
      "(#100) Param document['id'] is not a valid whatsapp business account media attachment ID",
    );
    expect((await harness.control('GET', '/sandbox/messages')).body.data).toEqual([]);
  });

  it('refuses an unknown media id in a template header too', async () => {
    const components = [
      { type: 'header', parameters: [{ type: 'image', image: { id: '123456789012345' } }] },
      { type: 'body', parameters: ['Hanako', '20%', 'August 31'].map((text) => ({ type: 'text', text })) },
    ];
    const refused = await harness.sendTemplate('summer_sale', 'en_US', components);
    expectBareGraphError(
      refused,
      100,
      "(#100) Param template['components'][0]['parameters'][0]['image']['id'] is not a valid whatsapp business account media attachment ID",
    );
    const { id } = (await harness.upload({ bytes: jpeg(), type: 'image/jpeg' })).body;
    const header = { type: 'header', parameters: [{ type: 'image', image: { id } }] };
    expect((await harness.sendTemplate('summer_sale', 'en_US', [header, components[1]])).status).toBe(200);
  });

  it('accepts, then fails with 131053, a file of the wrong kind or whose content is not its declared type', async () => {
    await harness.inbound();
    const document = (await harness.upload({ bytes: pdf(), type: 'application/pdf' })).body.id;
    const disguised = (await harness.upload({ bytes: exe(), type: 'application/pdf', filename: 'invoice.pdf' })).body.id;
    for (const [type, id, details] of [
      ['image', document, /uploaded as application\/pdf/],
      [
        'document',
        disguised,
        /uploaded with mimetype as application\/pdf, however on processing it is of type application\/x-msdownload/,
      ],
    ] as const) {
      const accepted = await sendMedia(type, { id });
      expect(accepted.status).toBe(200);
      const wamid = accepted.body.messages[0].id;
      const [failed] = await waitFor(
        'a failed status',
        () => harness.receiver.statuses(wamid).length > 0 && harness.receiver.statuses(wamid),
      );
      expect(failed).toMatchObject({ status: 'failed', errors: [{ code: 131053, title: 'Media upload error' }] });
      expect(failed?.errors?.[0]?.error_data.details).toMatch(details);
      expect(failed?.pricing).toBeUndefined();
    }
  });

  it('still sends media by link, which Meta fetches itself', async () => {
    await harness.inbound();
    const sent = await sendMedia('video', { link: 'https://example.com/clip.mp4', caption: 'How to' });
    expect(sent.status).toBe(200);
  });
});
