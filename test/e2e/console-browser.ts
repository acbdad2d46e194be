import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { repositoryRoot } from '../support/processes.js';
import type { E2eWorld } from './world.js';

/** Where the console's browser tests leave their screenshots (console-<page>-<locale>.png). */
export const screenshots = join(repositoryRoot, 'test-results');

/**
 * Another account with a number of its own ("Other Shop"), made over the API as the operator: the one an account
 * admin of the world's account must never see.
 */
export async function addOtherShop(world: E2eWorld): Promise<{ id: string; deploymentId: string }> {
  const other = await world.call(world.adminToken, 'POST', '/v1/accounts', { name: 'Other Shop' });
  const secrets = { access_token: `EAAG${randomBytes(24).toString('hex')}`, app_secret: randomBytes(16).toString('hex') };
  const number = { phone_number_id: '106540352243222', waba_id: '102290129340777', display_phone_number: '+81 6-0000-0003' };
  world.sandbox.registerNumber({ ...number, ...secrets, verified_name: 'Other Shop' });
  const deployment = await world.call(world.adminToken, 'POST', '/v1/deployments', {
    account_id: other.id,
    display_name: 'Other Shop Support',
    verify_token: `verify-${randomBytes(8).toString('hex')}`,
    ...number,
    ...secrets,
  });
  return { id: other.id as string, deploymentId: deployment.id as string };
}

/**
 * Photographs the console in English, then in Japanese (the language button; `check` may wait for a translated word
 * first), and goes back to English.
 */
export async function photograph(page: Page, name: string, check?: (locale: 'en' | 'ja') => Promise<void>): Promise<void> {
  await page.screenshot({ fullPage: true, path: join(screenshots, `console-${name}-en.png`) });
  await page.getByRole('button', { name: '日本語' }).click();
  await expect.poll(() => page.locator('html').getAttribute('lang')).toBe('ja');
  await check?.('ja');
  await page.screenshot({ fullPage: true, path: join(screenshots, `console-${name}-ja.png`) });
  await page.getByRole('button', { name: 'English' }).click();
  await expect.poll(() => page.locator('html').getAttribute('lang')).toBe('en');
}
