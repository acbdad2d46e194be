import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxControl } from '../../test/support/sandbox.js';
import { backends } from './support/backends.js';
import { deploymentRequest, type HttpAnswer, registerWithMeta, startTestBridge, type TestBridge } from './support/bridge.js';
import { jpeg, pdf, png } from './support/media-files.js';

// The numbers feature stores nothing of its own (Meta holds the state), so PGlite is enough here.
describe.each(backends.slice(0, 1))('numbers on $name', (backend) => {
  let bridge: TestBridge;
  let accountId: string;
  let metaUrl: string;

  const sandbox = () => {
    if (bridge.meta === undefined) throw new Error('the test bridge has no Meta sandbox');
    return bridge.meta;
  };
  const control = (method: string, path: string, body?: unknown) => sandboxControl(metaUrl, method, path, body);
  function expectProblem(answer: HttpAnswer, status: number, code: string): void {
    expect({ status: answer.status, code: answer.body.code }).toEqual({ status, code });
  }

  beforeAll(async () => {
    bridge = await startTestBridge(backend);
    accountId = (await bridge.request('POST', '/v1/accounts', { json: { name: 'Numbers' } })).body.id;
    metaUrl = bridge.config.metaGraphUrl;
  });
  afterAll(async () => {
    await bridge?.close();
  });

  describe('creating a deployment checks its credentials with Meta', () => {
    it('refuses a token Meta does not know with 422 meta_token_invalid, and stores nothing', async () => {
      const request = deploymentRequest(accountId);
      registerWithMeta(sandbox(), { ...request, access_token: `EAAG${randomBytes(24).toString('hex')}` });
      const before = await bridge.counts();
      const answer = await bridge.request('POST', '/v1/deployments', { json: request });
      expectProblem(answer, 422, 'meta_token_invalid');
      expect(answer.body.meta_code).toBe(190);
      expect(await bridge.counts()).toEqual(before);
    });

    it('refuses an app secret of another app with 422 meta_app_secret_invalid', async () => {
      const request = deploymentRequest(accountId);
      registerWithMeta(sandbox(), { ...request, app_secret: randomBytes(16).toString('hex') });
      const answer = await bridge.request('POST', '/v1/deployments', { json: request });
      expectProblem(answer, 422, 'meta_app_secret_invalid');
      expect(answer.body.errors).toEqual([expect.objectContaining({ path: 'body.app_secret' })]);
    });

    it('refuses a number of another WABA with 422 phone_number_not_in_waba', async () => {
      const request = deploymentRequest(accountId, { waba_id: '300000000000001' });
      // The token sees WABA 300000000000001 through another of its numbers, but this number is filed elsewhere.
      registerWithMeta(sandbox(), { ...request, waba_id: '300000000000002' });
      registerWithMeta(sandbox(), { ...request, phone_number_id: '400000000000001' });
      const answer = await bridge.request('POST', '/v1/deployments', { json: request });
      expectProblem(answer, 422, 'phone_number_not_in_waba');
    });

    it('refuses a WABA the token cannot read with 422 waba_not_accessible', async () => {
      const request = deploymentRequest(accountId, { waba_id: '300000000000009' });
      registerWithMeta(sandbox(), { ...request, waba_id: '300000000000008' });
      expectProblem(await bridge.request('POST', '/v1/deployments', { json: request }), 422, 'waba_not_accessible');
    });

    it('creates the deployment when Meta confirms every credential', async () => {
      expect((await bridge.createDeployment(accountId)).answer.status).toBe(201);
    });
  });

  describe('registration', () => {
    async function unregisteredNumber() {
      const { answer, request } = await bridge.createDeployment(accountId);
      bridge.metaKnows(request, { registered: false, code_verification_status: 'NOT_VERIFIED', verification_code: '424242' });
      const path = `/v1/deployments/${answer.body.id}/registration`;
      return { path, phoneNumberId: String(request.phone_number_id) };
    }

    it('requests a code by voice in Japanese, verifies it and registers with a PIN', async () => {
      const { path, phoneNumberId } = await unregisteredNumber();
      const requested = await bridge.request('POST', `${path}/code`, { json: { code_method: 'VOICE', language: 'ja' } });
      expect(requested.status).toBe(200);
      const sent = (await control('GET', `/sandbox/numbers/${phoneNumberId}/verification-codes`)).data;
      expect(sent).toEqual([expect.objectContaining({ code: '424242', code_method: 'VOICE', language: 'ja' })]);
      expect((await bridge.request('POST', `${path}/verify`, { json: { code: '424-242' } })).status).toBe(200);
      expect((await bridge.request('POST', path, { json: { pin: '135790' } })).body).toEqual({ step: 'registered' });
      expect(await control('GET', `/sandbox/numbers/${phoneNumberId}`)).toMatchObject({ registered: true, pin_set: true });
      // Registered now: asking for another code is refused before Meta sends one.
      const again = await bridge.request('POST', `${path}/code`, { json: { code_method: 'SMS', language: 'en_US' } });
      expectProblem(again, 409, 'number_already_registered');
      expect((await control('GET', `/sandbox/numbers/${phoneNumberId}/verification-codes`)).data).toHaveLength(1);
    });

    it('translates Meta’s refusals: wrong code, not verified, wrong PIN, too many codes', async () => {
      const { path } = await unregisteredNumber();
      expectProblem(await bridge.request('POST', path, { json: { pin: '111111' } }), 409, 'number_not_verified');
      await bridge.request('POST', `${path}/code`, { json: { code_method: 'SMS', language: 'en_US' } });
      expectProblem(
        await bridge.request('POST', `${path}/verify`, { json: { code: '000000' } }),
        422,
        'verification_code_invalid',
      );
      for (let request = 2; request <= 5; request += 1) {
        expect((await bridge.request('POST', `${path}/code`, { json: { code_method: 'SMS', language: 'en_US' } })).status).toBe(
          200,
        );
      }
      const tooMany = await bridge.request('POST', `${path}/code`, { json: { code_method: 'SMS', language: 'en_US' } });
      expectProblem(tooMany, 429, 'verification_code_requests_exceeded');
      expect((await bridge.request('POST', `${path}/verify`, { json: { code: '424242' } })).status).toBe(200);
      expect((await bridge.request('POST', path, { json: { pin: '111111' } })).status).toBe(200);
      expectProblem(await bridge.request('POST', path, { json: { pin: '222222' } }), 422, 'registration_pin_mismatch');
    });

    it('refuses malformed input before calling Meta', async () => {
      const { path, phoneNumberId } = await unregisteredNumber();
      expectProblem(
        await bridge.request('POST', `${path}/code`, { json: { code_method: 'FAX', language: 'ja' } }),
        422,
        'validation_failed',
      );
      expectProblem(await bridge.request('POST', path, { json: { pin: '12345' } }), 422, 'validation_failed');
      expect((await control('GET', `/sandbox/numbers/${phoneNumberId}/verification-codes`)).data).toEqual([]);
    });
  });

  describe('business profile', () => {
    it('changes and reads the profile with the display name and its review status', async () => {
      const { answer } = await bridge.createDeployment(accountId);
      const path = `/v1/deployments/${answer.body.id}/profile`;
      const changed = await bridge.request('PATCH', path, {
        json: { about: '営業時間 9–18時', vertical: 'RETAIL', websites: ['https://shop.example/'] },
      });
      expect(changed.status).toBe(200);
      expect(changed.body).toMatchObject({
        about: '営業時間 9–18時',
        vertical: 'RETAIL',
        websites: ['https://shop.example/'],
        display_name: { verified_name: 'Acme Support', name_status: 'APPROVED' },
      });
      expect((await bridge.request('GET', path)).body).toEqual(changed.body);
    });

    it.each([
      ['three websites', { websites: ['https://a.example', 'https://b.example', 'https://c.example'] }],
      ['a website of 257 characters', { websites: [`https://${'a'.repeat(241)}.example/`] }],
      ['a vertical Meta does not list', { vertical: 'CASINO' }],
      ['an about of 140 characters', { about: 'a'.repeat(140) }],
      ['nothing to change', {}],
    ])('refuses %s before Meta is called', async (_case, json) => {
      const { answer, request } = await bridge.createDeployment(accountId);
      const path = `/v1/deployments/${answer.body.id}/profile`;
      const before = (await control('GET', `/sandbox/numbers/${request.phone_number_id}`)).profile;
      expectProblem(await bridge.request('PATCH', path, { json }), 422, 'validation_failed');
      expect((await control('GET', `/sandbox/numbers/${request.phone_number_id}`)).profile).toEqual(before);
    });
  });

  describe('profile picture', () => {
    const sandboxAppId = '1000000000000001';
    function putPicture(path: string, bytes: Buffer, contentType: string) {
      return bridge.request('PUT', `${path}/picture`, { body: bytes, headers: { 'content-type': contentType } });
    }
    const uploadSessions = () => sandbox().state.uploadSessions.size;

    it('uploads a PNG to Meta on the deployment’s app and shows it as the profile’s picture', async () => {
      const { answer } = await bridge.createDeployment(accountId, { app_id: sandboxAppId });
      expect(answer.body.app_id).toBe(sandboxAppId);
      const path = `/v1/deployments/${answer.body.id}/profile`;
      const picture = png();
      const changed = await putPicture(path, picture, 'image/png');
      expect(changed.status, JSON.stringify(changed.body)).toBe(200);
      const served = await fetch(changed.body.profile_picture_url);
      expect(Buffer.from(await served.arrayBuffer()).equals(picture)).toBe(true);
      expect((await bridge.request('GET', path)).body.profile_picture_url).toBe(changed.body.profile_picture_url);
      // A JPEG sent as "some bytes" is judged by its content.
      const again = await putPicture(path, jpeg(), 'application/octet-stream');
      expect(again.status).toBe(200);
      expect(again.body.profile_picture_url).not.toBe(changed.body.profile_picture_url);
    });

    it('needs the deployment’s Meta app id, which an admin gives afterwards', async () => {
      const { answer } = await bridge.createDeployment(accountId);
      expect(answer.body.app_id).toBeNull();
      const path = `/v1/deployments/${answer.body.id}/profile`;
      const before = uploadSessions();
      expectProblem(await putPicture(path, png(), 'image/png'), 409, 'meta_app_id_missing');
      expect(uploadSessions()).toBe(before);
      const invalid = await bridge.request('PATCH', `/v1/deployments/${answer.body.id}`, { json: { app_id: 'my-app' } });
      expectProblem(invalid, 422, 'validation_failed');
      const given = await bridge.request('PATCH', `/v1/deployments/${answer.body.id}`, { json: { app_id: sandboxAppId } });
      expect([given.status, given.body.app_id]).toEqual([200, sandboxAppId]);
      expect((await putPicture(path, png(), 'image/png')).status).toBe(200);
    });

    it.each([
      ['a PDF', () => pdf(), 'application/pdf', 422, 'profile_picture_type_not_allowed'],
      ['a PNG sent as a JPEG', () => png(), 'image/jpeg', 422, 'profile_picture_type_not_allowed'],
      ['nothing', () => Buffer.alloc(0), 'image/png', 422, 'profile_picture_type_not_allowed'],
      ['a PNG of 5 MB and one byte', () => png(5 * 1024 * 1024 + 1), 'image/png', 413, 'profile_picture_too_large'],
    ])('refuses %s before Meta is called', async (_case, bytes, contentType, status, code) => {
      const { answer } = await bridge.createDeployment(accountId, { app_id: sandboxAppId });
      const before = uploadSessions();
      expectProblem(await putPicture(`/v1/deployments/${answer.body.id}/profile`, bytes(), contentType), status, code);
      expect(uploadSessions()).toBe(before);
    });

    it('answers Meta’s refusal of the app as a problem (an app the token does not belong to)', async () => {
      const { answer } = await bridge.createDeployment(accountId, { app_id: '1000000000000002' });
      const refused = await putPicture(`/v1/deployments/${answer.body.id}/profile`, png(), 'image/png');
      expectProblem(refused, 422, 'meta_rejected');
    });
  });

  describe('tenants', () => {
    it('answers another account’s number 404 and keeps registration to the administrator', async () => {
      const { answer } = await bridge.createDeployment(accountId);
      const other = (await bridge.request('POST', '/v1/accounts', { json: { name: 'Other' } })).body.id;
      const otherDeployment = (await bridge.createDeployment(other)).answer.body.id;
      const otherToken = (
        await bridge.request('POST', `/v1/deployments/${otherDeployment}/installations`, {
          json: { helpdesk: 'zendesk', instance: `${randomBytes(4).toString('hex')}.zendesk.com` },
        })
      ).body.token;
      expectProblem(
        await bridge.request('GET', `/v1/deployments/${answer.body.id}/profile`, { token: otherToken }),
        404,
        'not_found',
      );
      expect((await bridge.request('GET', `/v1/deployments/${otherDeployment}/profile`, { token: otherToken })).status).toBe(200);
      const registration = await bridge.request('POST', `/v1/deployments/${otherDeployment}/registration/code`, {
        token: otherToken,
        json: { code_method: 'SMS', language: 'ja' },
      });
      expectProblem(registration, 403, 'admin_required');
    });
  });
});
