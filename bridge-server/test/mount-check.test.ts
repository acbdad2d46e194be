import { defineRoute, type RouteGroup, routes } from '@wabridge/shared';
import { Router } from 'express';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { type MountOptions, mountByHand, mountRoute } from '../src/http/mount.js';
import { checkMounts, mountProblems } from '../src/http/mount-check.js';

const ok = z.object({ ok: z.boolean() });
const route = (method: 'get' | 'post', path: string, operationId: string) =>
  defineRoute({
    method,
    path,
    operationId,
    summary: operationId,
    tag: 'Test',
    auth: 'none',
    successStatus: 200,
    response: ok,
    problems: [],
  });

const table = {
  listThings: route('get', '/v1/things', 'listThings'),
  createThing: route('post', '/v1/things', 'createThing'),
  getThing: route('get', '/v1/things/{thing_id}', 'getThing'),
} satisfies RouteGroup;

function mountOptions(): MountOptions {
  return {
    authenticator: {
      authenticate: async () => {
        throw new Error('no authentication in these tests');
      },
      authenticateAlong: async () => {
        throw new Error('no authentication in these tests');
      },
    },
    parseJson: (_request, _response, next) => next(),
    validateResponses: true,
    mounted: [],
  };
}

describe('the start-up check that every contract route is mounted exactly once', () => {
  it('passes when each route of the table is mounted once', () => {
    const options = mountOptions();
    const router = Router();
    for (const each of Object.values(table)) mountRoute(router, each, async () => ({ ok: true }), options);

    expect(mountProblems(table, options.mounted)).toEqual([]);
    expect(() => checkMounts(table, options.mounted)).not.toThrow();
  });

  it('names a route that is not mounted', () => {
    const options = mountOptions();
    mountRoute(Router(), table.listThings, async () => ({ ok: true }), options);
    mountRoute(Router(), table.getThing, async () => ({ ok: true }), options);

    expect(mountProblems(table, options.mounted)).toEqual(['createThing (POST /v1/things) is not mounted']);
    expect(() => checkMounts(table, options.mounted)).toThrow(
      /do not match its contract[\s\S]*createThing \(POST \/v1\/things\) is not mounted/,
    );
  });

  it('names a route mounted twice', () => {
    const options = mountOptions();
    const router = Router();
    for (const each of Object.values(table)) mountRoute(router, each, async () => ({ ok: true }), options);
    mountRoute(router, table.getThing, async () => ({ ok: true }), options);

    expect(mountProblems(table, options.mounted)).toEqual(['getThing (GET /v1/things/{thing_id}) is mounted 2 times']);
    expect(() => checkMounts(table, options.mounted)).toThrow(/getThing .* is mounted 2 times/);
  });

  it('names a route mounted that the table does not have, as when a second route of one name hid the first', () => {
    const hidden = route('get', '/v1/others', 'listOthers');
    const mounted = [...Object.values(table), hidden];

    expect(mountProblems(table, mounted)).toEqual([
      "listOthers (GET /v1/others) is mounted but not in the contract's route table",
    ]);
  });

  it('names two routes of the table at one method and path, whatever their parameters are called', () => {
    const clashing = { ...table, getThingAgain: route('get', '/v1/things/{id}', 'getThingAgain') };

    expect(mountProblems(clashing, Object.values(clashing))).toEqual([
      'getThingAgain (GET /v1/things/{id}) has the method and path of getThing',
    ]);
  });

  it('counts hand-mounted routes, and keeps each way of mounting to the routes the contract gives it', () => {
    const options = mountOptions();
    expect(mountByHand(options, routes.receiveMetaWebhook)).toBe('/v1/webhooks/meta/:deployment_id');
    expect(options.mounted).toEqual([routes.receiveMetaWebhook]);

    expect(() => mountByHand(options, routes.getWallet)).toThrow(/not by hand/);
    expect(() => mountRoute(Router(), routes.receiveMetaWebhook, async () => undefined, options)).toThrow(/by hand/);
    // A raw body must be read as the contract says: given for the CSV import, refused for a JSON route.
    expect(() => mountRoute(Router(), routes.importConsents, async () => ({ imported: 0 }), options)).toThrow(/raw body/);
    expect(() =>
      mountRoute(Router(), routes.getWallet, async () => ({}) as never, options, { rawBody: { limitBytes: 1 } }),
    ).toThrow(/raw body/);
    expect(options.mounted).toEqual([routes.receiveMetaWebhook]);
  });

  it('holds for the contract itself: no two of its routes share a method and path', () => {
    expect(mountProblems(routes, Object.values(routes))).toEqual([]);
  });
});
