import type { Kysely } from 'kysely';
import * as z from 'zod';
import type { Clock } from '../../clock.js';
import type { AuthFailureLimiter } from '../../security/auth-failures.js';
import type { SecretBox } from '../../security/secret-box.js';
import { sha256Hex } from '../../security/tokens.js';
import type { Schema } from '../../storage/schema.js';
import { createLink } from './links.js';
import { linkFormPage, messagePage, type PageLanguage, pageLanguageOf, returnPage } from './pages.js';

/*
 * The admin UI round trip (developer.zendesk.com/documentation/channel_framework/…/administrative_interface):
 * Zendesk posts a form to `admin_ui` (return_url, subdomain, locale, name, metadata, state and, with push,
 * instance_push_id and zendesk_access_token); we answer a page where the admin gives a name and the installation
 * token of this Zendesk account; its submission answers a page that posts `name`, `metadata` and `state` to the
 * return_url. What Zendesk posted travels between the two requests sealed (encrypted and authenticated) in a hidden
 * field, so the push token never appears in the page and nothing posted can be altered on the way.
 */

/** The linking page stays usable this long; an admin who leaves it open longer starts again from Zendesk. */
const setupLifetimeMs = 60 * 60_000;
const setupContext = 'zendesk_channel_setup';

const text = (charactersMax: number) => z.string().max(charactersMax);

export const adminUiFormSchema = z.object({
  return_url: z.url({ protocol: /^https?$/ }).max(2048),
  subdomain: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/i)
    .transform((value) => value.toLowerCase()),
  locale: text(16).optional(),
  name: text(255).optional(),
  metadata: text(5000).optional(),
  state: text(5000).optional(),
  instance_push_id: text(255).optional(),
  zendesk_access_token: text(1024).optional(),
});

const setupSchema = z.object({
  returnUrl: z.string(),
  subdomain: z.string(),
  locale: z.string(),
  instancePushId: z.string().optional(),
  pushToken: z.string().optional(),
  issuedAt: z.number(),
});
type Setup = z.infer<typeof setupSchema>;

export const linkFormSchema = z.object({
  setup: z.string().min(1).max(8192),
  name: z.string().trim().min(1).max(255),
  installation_token: z.string().trim().min(1).max(256),
});

/** The answer to one admin UI request: an HTML page and its status. */
export interface AdminPage {
  status: number;
  html: string;
}

export interface AdminDependencies {
  db: Kysely<Schema>;
  secretBox: SecretBox;
  clock: Clock;
  limiter: AuthFailureLimiter;
  publicUrl: string;
  returnUrlOrigins: readonly string[];
}

/** Zendesk's own return_url lives on the account's subdomain; any other origin must be configured. */
function returnUrlAllowed(returnUrl: string, subdomain: string, allowedOrigins: readonly string[]): boolean {
  const url = new URL(returnUrl);
  if (url.protocol === 'https:' && url.hostname === `${subdomain}.zendesk.com` && url.port === '') return true;
  return allowedOrigins.includes(url.origin);
}

export class ZendeskAdminUi {
  constructor(private readonly dependencies: AdminDependencies) {}

  get #linkAction(): string {
    return `${this.dependencies.publicUrl}/v1/channels/zendesk/admin/link`;
  }

  /** Zendesk's form post to admin_ui: the linking form, or a refusal page for a return_url Zendesk would not give. */
  open(form: unknown): AdminPage {
    const parsed = adminUiFormSchema.safeParse(form);
    const language = pageLanguageOf(
      typeof (form as { locale?: unknown })?.locale === 'string' ? (form as { locale: string }).locale : undefined,
    );
    if (!parsed.success || !returnUrlAllowed(parsed.data.return_url, parsed.data.subdomain, this.dependencies.returnUrlOrigins)) {
      return { status: 400, html: messagePage(language, 'invalidRequest') };
    }
    const input = parsed.data;
    const setup: Setup = {
      returnUrl: input.return_url,
      subdomain: input.subdomain,
      locale: input.locale ?? 'en-US',
      ...(input.instance_push_id === undefined || input.instance_push_id === ''
        ? {}
        : { instancePushId: input.instance_push_id }),
      ...(input.zendesk_access_token === undefined || input.zendesk_access_token === ''
        ? {}
        : { pushToken: input.zendesk_access_token }),
      issuedAt: this.dependencies.clock.now().getTime(),
    };
    const sealed = this.dependencies.secretBox.seal(JSON.stringify(setup), setupContext);
    return {
      status: 200,
      html: linkFormPage(language, { action: this.#linkAction, setup: sealed, name: input.name || 'WhatsApp' }),
    };
  }

  #openSetup(sealed: string): Setup | undefined {
    try {
      const setup = setupSchema.parse(JSON.parse(this.dependencies.secretBox.open(sealed, setupContext)));
      const ageMs = this.dependencies.clock.now().getTime() - setup.issuedAt;
      return ageMs >= 0 && ageMs <= setupLifetimeMs ? setup : undefined;
    } catch {
      return undefined;
    }
  }

  /** The Zendesk installation the token belongs to, when it is active and for this Zendesk subdomain. */
  async #installationFor(token: string, subdomain: string): Promise<string | undefined> {
    const row = await this.dependencies.db
      .selectFrom('installations')
      .select(['id', 'instance', 'helpdesk', 'revoked_at'])
      .where('token_sha256', '=', sha256Hex(token))
      .executeTakeFirst();
    if (row === undefined || row.revoked_at !== null || row.helpdesk !== 'zendesk') return undefined;
    const instance = row.instance.toLowerCase();
    return instance === subdomain || instance === `${subdomain}.zendesk.com` ? row.id : undefined;
  }

  /**
   * The linking form's submission: a token that is not this Zendesk account's installation is refused (and counted
   * against the client, like any failed authentication); a good one creates the link and answers the page that
   * hands its metadata to Zendesk.
   */
  async link(form: unknown, clientKey: string): Promise<AdminPage> {
    const parsed = linkFormSchema.safeParse(form);
    const setup = parsed.success ? this.#openSetup(parsed.data.setup) : undefined;
    if (!parsed.success || setup === undefined) {
      return { status: 400, html: messagePage(pageLanguageOf(setup?.locale), 'expired') };
    }
    const language: PageLanguage = pageLanguageOf(setup.locale);
    const again = (status: number, error: 'invalidToken' | 'tooManyAttempts') => ({
      status,
      html: linkFormPage(language, { action: this.#linkAction, setup: parsed.data.setup, name: parsed.data.name, error }),
    });
    const { limiter } = this.dependencies;
    if ((await limiter.retryAfterSeconds(clientKey)) > 0) return again(429, 'tooManyAttempts');
    const installationId = await this.#installationFor(parsed.data.installation_token, setup.subdomain);
    if (installationId === undefined) {
      await limiter.recordFailure(clientKey);
      return again(401, 'invalidToken');
    }
    const metadata = await createLink(this.dependencies.db, this.dependencies.secretBox, {
      installationId,
      subdomain: setup.subdomain,
      name: parsed.data.name,
      locale: setup.locale,
      instancePushId: setup.instancePushId,
      pushToken: setup.pushToken,
      apiOrigin: new URL(setup.returnUrl).origin,
    });
    // An empty state: the first pull starts where the link was made (zendesk_channel_links.start_xid).
    return { status: 200, html: returnPage(language, setup.returnUrl, { name: parsed.data.name, metadata, state: '' }) };
  }
}
