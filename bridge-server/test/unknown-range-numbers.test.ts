import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from './support/backends.js';
import { type SandboxBridge, startSandboxBridge } from './support/sandbox-bridge.js';
import { orderConfirmationTemplate, utilityConsent } from './support/wallet.js';

/**
 * A number outside the ranges libphonenumber's metadata knows (+44 7700 900…, which WhatsApp delivers) is a customer
 * like any other once WhatsApp has delivered it: its status, conversation and sends are answered (issue #15). Before
 * it has written, a template to it is refused as a number to check, as a typo would be.
 */
describe.each(backends)('numbers outside known ranges on $name', (backend) => {
  let world: SandboxBridge;
  const unknownRange = '+447700900123';
  const stillSilent = '+447700900456';

  beforeAll(async () => {
    world = await startSandboxBridge(backend);
    expect((await world.bridge.request('POST', '/v1/templates/sync', { token: world.token })).status).toBe(202);
    await world.settle();
    for (const phone of [unknownRange, stillSilent]) {
      const consent = await world.bridge.request('POST', `/v1/contacts/${encodeURIComponent(phone)}/consents`, {
        token: world.token,
        json: utilityConsent(),
      });
      expect(consent.status, JSON.stringify(consent.body)).toBe(201);
    }
  });
  afterAll(async () => {
    await world?.close();
  });

  it('refuses a template to one that never wrote, naming the number to check', async () => {
    const refused = await world.send({ to: stillSilent, template: orderConfirmationTemplate });
    expect(refused.status).toBe(422);
    expect(refused.body.errors).toEqual([
      expect.objectContaining({
        path: 'body.to',
        code: 'invalid_phone_number',
        message: expect.stringContaining('check the number'),
      }),
    ]);
  });

  it('answers its status and sends to it, free-form and template, once the customer has written', async () => {
    await world.customerWrites(unknownRange, 'Hello from London');
    await world.settle();
    const status = await world.bridge.request('GET', `/v1/contacts/${encodeURIComponent('+44 7700 900123')}/status`, {
      token: world.token,
    });
    expect(status.status, JSON.stringify(status.body)).toBe(200);
    expect(status.body.window.state).toBe('open');
    const reply = await world.send({ to: unknownRange, text: { body: 'Hello! How can we help?' } });
    expect(reply.status, JSON.stringify(reply.body)).toBe(202);
    const template = await world.send({ to: unknownRange, template: orderConfirmationTemplate });
    expect(template.status, JSON.stringify(template.body)).toBe(202);
  });
});
