import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { samplePhotoPng } from '../../bridge-server/src/demo/sample-photo.js';
import { pdf, png } from '../../bridge-server/test/support/media-files.js';
import { sidebarWidthPx } from '../../zendesk-app/host/page/template.js';
import { buildConsole } from '../support/zendesk-app.js';
import { addOtherShop, photograph, screenshots } from './console-browser.js';
import { type E2eWorld, launchRecordedBrowser, startE2eWorld } from './world.js';

const csvHeader = 'phone,topic,state,source,evidence,occurred_at';
const consentLine = (phone: string) =>
  `${phone},utility,opted_in,website_form,"I agree to receive order updates from E2E Support on WhatsApp",2025-12-01T10:00:00Z`;

describe('the console’s templates, opt-in, profile and link pages in Chromium', () => {
  let world: E2eWorld;
  let browser: Browser;
  let context: BrowserContext;
  let consoleDir: string;
  let other: { id: string; deploymentId: string };
  const traffic: string[] = [];

  beforeAll(async () => {
    await mkdir(screenshots, { recursive: true });
    consoleDir = await buildConsole();
    world = await startE2eWorld({ helpdesk: 'zendesk', instance: 'pages.zendesk.com' }, { consoleDir });
    // Another account with a number of its own, which the first account's admin must never reach.
    other = await addOtherShop(world);
    ({ browser, context } = await launchRecordedBrowser(traffic));
  }, 180_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await world?.close();
    if (consoleDir) await rm(consoleDir, { recursive: true, force: true });
  });

  /** The statuses of the listed templates (their rows' data-status). */
  async function statusesOf(rows: Locator): Promise<Set<string | null>> {
    return new Set(await Promise.all((await rows.all()).map((row) => row.getAttribute('data-status'))));
  }

  async function signedIn(browserContext: BrowserContext, secret: string): Promise<{ page: Page; said: string[] }> {
    const page = await browserContext.newPage();
    const said: string[] = [];
    page.on('pageerror', (error) => said.push(`page error: ${error.message}`));
    await page.goto(`${world.bridge.url}/?lang=en`);
    await page.getByLabel('Administrator token or account admin credential').fill(secret);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('who').waitFor();
    return { page, said };
  }

  async function importFile(page: Page, name: string, lines: string[]): Promise<void> {
    const form = page.getByRole('form', { name: 'Import consents from a CSV file' });
    await form.getByLabel('CSV file (UTF-8)').setInputFiles({
      name,
      mimeType: 'text/csv',
      buffer: Buffer.from([csvHeader, ...lines].join('\r\n')),
    });
    await form.getByRole('button', { name: 'Import' }).click();
  }

  it('as the operator: lists and syncs templates, edits topics, imports and exports consents, edits the profile, shows the QR code', async () => {
    const { page, said } = await signedIn(context, world.adminToken);
    try {
      await page.getByLabel('Account', { exact: true }).selectOption(world.accountId);

      // Templates: every status at first, then only the rejected ones; a sync shows its progress, then its outcome.
      await page.getByRole('tab', { name: 'Templates' }).click();
      const rows = page.getByTestId('template');
      await expect.poll(() => rows.count()).toBeGreaterThan(0);
      const statuses = await statusesOf(rows);
      expect(statuses).toContain('APPROVED');
      expect(statuses).toContain('REJECTED');
      await page.getByLabel('Status', { exact: true }).selectOption('REJECTED');
      await expect.poll(() => statusesOf(rows)).toEqual(new Set(['REJECTED']));
      await page.getByLabel('Status', { exact: true }).selectOption('');
      await page.getByRole('button', { name: 'Sync from Meta' }).click();
      await expect.poll(() => page.getByTestId('template-sync').textContent()).toMatch(/^Synced: \d+ template\(s\)/);
      const listed = await world.call(world.token, 'GET', '/v1/templates?status=APPROVED,PENDING,REJECTED,PAUSED,DISABLED');
      expect(await rows.count()).toBe((listed.data as unknown[]).length);
      await photograph(page, 'templates', async () => {
        await expect.poll(() => page.getByTestId('template-sync').textContent()).toContain('同期しました');
      });

      // Opt-in topics: a topic of the account's own, with its label, saved through the API.
      await page.getByRole('tab', { name: 'Opt-in' }).click();
      const topics = page.getByRole('form', { name: 'Opt-in topics' });
      await expect.poll(() => topics.getByTestId('topics').locator('tr').count()).toBeGreaterThanOrEqual(3);
      await topics.getByRole('button', { name: 'Add a topic' }).click();
      await topics.locator('input[name^="topic_id_"]').last().fill('newsletter');
      await topics.locator('input[name^="topic_label_"]').last().fill('Monthly newsletter');
      await topics.getByRole('button', { name: 'Save topics and rules' }).click();
      await expect.poll(() => topics.getByRole('status').textContent()).toBe('Topics and rules saved.');
      const settings = await world.call(world.token, 'GET', '/v1/optin-topics');
      expect(settings.topics).toContainEqual({ id: 'newsletter', label: 'Monthly newsletter' });

      // A CSV with a bad line: nothing imported, the line named; then a good one, seen in the audit list.
      const before = await world.call(world.token, 'GET', '/v1/consents?limit=500');
      await importFile(page, 'bad.csv', [consentLine('+819055550001'), consentLine('09055550002')]);
      const outcome = page.getByTestId('import-outcome');
      await expect.poll(() => outcome.textContent()).toContain('Nothing was imported: 1 problem(s)');
      expect(await page.getByTestId('import-problems').textContent()).toBe(
        'Line 3, phone: The phone number is not a valid international number (+ and country code).',
      );
      expect((await world.call(world.token, 'GET', '/v1/consents?limit=500')).data).toEqual(before.data);
      await photograph(page, 'optin-refused', async () => {
        await expect.poll(() => page.getByTestId('import-problems').textContent()).toContain('3 行目、phone');
        expect(await outcome.textContent()).toContain('何もインポートされませんでした');
        const topicsJa = page.getByRole('form', { name: 'オプトインのトピック' });
        expect(await topicsJa.getByRole('status').textContent()).toBe('トピックとルールを保存しました。');
      });
      await importFile(page, 'good.csv', [consentLine('+819055550001'), consentLine('+819055550003')]);
      await expect.poll(() => outcome.textContent()).toBe('Imported 2 consent(s).');
      const audit = page.getByTestId('consent-audit');
      await expect.poll(() => audit.textContent()).toContain('+819055550003');
      expect(await audit.textContent()).toContain('Website form');

      // The export downloads the account's trail as CSV.
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('consent-export').click()]);
      const exported = await readFile((await download.path()) ?? '', 'utf8');
      expect(exported).toContain('+819055550001');
      expect(exported).toContain('+819055550003');
      await photograph(page, 'optin', async () => {
        await expect.poll(() => page.getByTestId('consent-audit').textContent()).toContain('同意済み');
      });

      // The business profile: a too-long About is refused on its field before anything is sent; then saved.
      await page.getByRole('tab', { name: 'Profile and link' }).click();
      const profile = page.getByRole('form', { name: 'Business profile' });
      await expect.poll(() => page.getByTestId('display-name').textContent()).toBe('E2E Support');
      const sentBefore = traffic.filter((line) => line.includes('/profile')).length;
      await profile.getByLabel('About (at most 139 characters)').fill('x'.repeat(140));
      await profile.getByLabel('Website 2 (http:// or https://)').fill('ftp://shop.example');
      await profile.getByRole('button', { name: 'Save the profile' }).click();
      await expect.poll(() => profile.textContent()).toContain('At most 139 characters.');
      expect(await profile.textContent()).toContain('Must be an http:// or https:// address.');
      expect(traffic.filter((line) => line.includes('/profile')).length).toBe(sentBefore);
      await profile.getByLabel('About (at most 139 characters)').fill('Open 9:00–18:00 JST');
      await profile.getByLabel('Website 1 (http:// or https://)').fill('https://shop.example/');
      await profile.getByLabel('Website 2 (http:// or https://)').fill('');
      await profile.getByLabel('Industry').selectOption('RETAIL');
      await profile.getByRole('button', { name: 'Save the profile' }).click();
      await expect.poll(() => profile.getByRole('status').textContent()).toBe('Profile saved.');
      const saved = await world.call(world.token, 'GET', `/v1/deployments/${world.deploymentId}/profile`);
      expect(saved).toMatchObject({ about: 'Open 9:00–18:00 JST', vertical: 'RETAIL', websites: ['https://shop.example/'] });

      // The wa.me link and its QR code, with a prefilled text.
      // The picture: the number has no Meta app id yet, so the page asks for it; then a PNG goes up and shows.
      const picture = page.getByTestId('profile-picture');
      expect(await picture.textContent()).toContain('Meta needs this number’s app ID');
      await picture.getByRole('textbox', { name: 'Meta app ID' }).fill('my app');
      await picture.getByRole('button', { name: 'Save the app ID' }).click();
      await expect
        .poll(() => picture.getByRole('alert').textContent())
        .toBe('The app ID is the number shown in App settings → Basic.');
      await picture.getByRole('textbox', { name: 'Meta app ID' }).fill('1000000000000001');
      await picture.getByRole('button', { name: 'Save the app ID' }).click();
      const chooser = picture.getByLabel(/^New picture: a JPEG or PNG image/);
      const uploadsBefore = traffic.filter((line) => line.includes('/profile/picture')).length;
      await chooser.setInputFiles({ name: 'terms.pdf', mimeType: 'application/pdf', buffer: pdf() });
      await picture.getByRole('button', { name: 'Upload the picture' }).click();
      await expect.poll(() => picture.getByRole('alert').textContent()).toBe('Choose a JPEG or PNG image.');
      await chooser.setInputFiles({ name: 'huge.png', mimeType: 'image/png', buffer: png(5 * 1024 * 1024 + 1) });
      await picture.getByRole('button', { name: 'Upload the picture' }).click();
      await expect.poll(() => picture.getByRole('alert').textContent()).toBe('This image is larger than 5 MB.');
      expect(traffic.filter((line) => line.includes('/profile/picture')).length).toBe(uploadsBefore);
      await chooser.setInputFiles({ name: 'parcel.png', mimeType: 'image/png', buffer: samplePhotoPng() });
      await picture.getByRole('button', { name: 'Upload the picture' }).click();
      await expect.poll(() => picture.getByRole('status').textContent()).toBe('The new picture is set.');
      const shown = picture.getByTestId('picture');
      await expect.poll(() => shown.evaluate((image) => (image as unknown as { naturalWidth: number }).naturalWidth)).toBe(160);
      const withPicture = await world.call(world.token, 'GET', `/v1/deployments/${world.deploymentId}/profile`);
      expect(await shown.getAttribute('src')).toBe(withPicture.profile_picture_url);
      expect((await world.call(world.adminToken, 'GET', `/v1/deployments/${world.deploymentId}`)).app_id).toBe(
        '1000000000000001',
      );
      await photograph(page, 'profile-picture', async () => {
        await expect
          .poll(() => page.getByTestId('profile-picture').getByRole('status').textContent())
          .toBe('新しい画像を設定しました。');
      });
      // At the helpdesk sidebar's width the picture and its control stack instead of overflowing.
      await page.setViewportSize({ width: sidebarWidthPx, height: 900 });
      for (const locale of ['en', 'ja'] as const) {
        if (locale === 'ja') await page.getByRole('button', { name: '日本語' }).click();
        await picture.scrollIntoViewIfNeeded();
        await picture.screenshot({ path: join(screenshots, `console-profile-picture-narrow-${locale}.png`) });
      }
      await page.getByRole('button', { name: 'English' }).click();
      await page.setViewportSize({ width: 1200, height: 900 });

      await page.getByLabel('Prefilled text (optional)').fill('注文について');
      await page.getByRole('button', { name: 'Make the link' }).click();
      const link = page.getByTestId('wa-link');
      await expect.poll(() => link.textContent()).toBe(`https://wa.me/81345100001?text=${encodeURIComponent('注文について')}`);
      const qr = page.getByTestId('qr-code');
      // Drawn: the SVG decoded as an image (a broken data URL has no natural width).
      await expect
        .poll(() => qr.evaluate((image) => (image as unknown as { naturalWidth: number }).naturalWidth))
        .toBeGreaterThan(0);
      expect(await qr.getAttribute('alt')).toContain('https://wa.me/81345100001');
      await photograph(page, 'profile-link', async () => {
        await expect.poll(() => page.getByRole('form', { name: 'ビジネスプロフィール' }).count()).toBe(1);
      });
      expect(said).toEqual([]);
    } catch (error) {
      await page.screenshot({ fullPage: true, path: join(screenshots, 'console-pages-failed-operator.png') });
      throw new Error(`the operator's path failed; the browser said:\n${said.join('\n')}`, { cause: error });
    } finally {
      await page.close();
    }
  });

  it('as an account admin: its own templates, consents and profile; another account’s answer as if they did not exist', async () => {
    const issued = await world.call(world.adminToken, 'POST', `/v1/accounts/${world.accountId}/admins`, { name: 'Keiko Admin' });
    const own = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    try {
      const { page, said } = await signedIn(own, issued.credential as string);
      await page.getByRole('tab', { name: 'Templates' }).click();
      await expect.poll(() => page.getByTestId('template').count()).toBeGreaterThan(0);
      const numbers = await page.getByLabel('WhatsApp number').locator('option').allTextContents();
      expect(numbers).toEqual(['E2E Support · +81345100001']);

      await page.getByRole('tab', { name: 'Opt-in' }).click();
      await expect.poll(() => page.getByTestId('consent-audit').textContent()).toContain('+819055550003');

      await page.getByRole('tab', { name: 'Profile and link' }).click();
      const profile = page.getByRole('form', { name: 'Business profile' });
      await expect.poll(() => profile.getByLabel('About (at most 139 characters)').inputValue()).toBe('Open 9:00–18:00 JST');
      await profile.getByLabel('Email').fill('support@shop.example');
      await profile.getByRole('button', { name: 'Save the profile' }).click();
      await expect.poll(() => profile.getByRole('status').textContent()).toBe('Profile saved.');
      await page.getByTestId('qr-code').waitFor();
      await photograph(page, 'account-admin-profile', async () => {
        await expect.poll(() => page.getByRole('form', { name: 'ビジネスプロフィール' }).count()).toBe(1);
      });

      // The other account's number and consents, asked for directly with this session, do not exist for it.
      const answers = await page.evaluate(
        async ({ account, deployment }) => {
          const read = async (path: string) => {
            const answer = await fetch(path);
            return [answer.status, ((await answer.json()) as { code?: string }).code];
          };
          return {
            templates: await read(`/v1/templates?deployment_id=${deployment}`),
            consents: await read(`/v1/consents?account_id=${account}`),
            topics: await read(`/v1/optin-topics?account_id=${account}`),
            profile: await read(`/v1/deployments/${deployment}/profile`),
          };
        },
        { account: other.id, deployment: other.deploymentId },
      );
      expect(answers).toEqual({
        templates: [404, 'not_found'],
        consents: [422, 'unknown_account'],
        topics: [422, 'unknown_account'],
        profile: [404, 'not_found'],
      });
      expect(said).toEqual([]);
      await page.close();
    } finally {
      await own.close();
    }
  });
});
