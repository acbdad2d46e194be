import { routes, ruleSets } from '@wabridge/shared';
import { Router } from 'express';
import { findAccount } from '../accounts/store.js';
import { findContactsByPhone } from '../contacts/store.js';
import { DomainError } from '../domain/errors.js';
import { installationOf } from '../http/caller.js';
import { type MountOptions, mountRoute } from '../http/mount.js';
import type { Services } from '../services.js';
import { batchedPerTurn, coalescedPerTurn } from '../storage/turn-batch.js';
import { findTemplate } from '../templates/store.js';
import { loadPricingSettings } from '../wallet/settings.js';
import { accountPricingRulesOf, pricingConfigOf, saveAccountPricingRules } from './config.js';
import { type PricedContent, quoteMessage } from './quote.js';
import {
  allRateCards,
  importRateCard,
  presentRateCard,
  presentRateCards,
  previewRateCard,
  readRateCardCsv,
} from './rate-cards.js';

/** Meta's cards run to a few kilobytes (38 markets); anything near this limit is not a rate card. */
const rateCardBodyLimitBytes = 256 * 1024;

export function pricingRouter({ db, clock }: Services, options: MountOptions): Router {
  const router = Router();
  // The quote's reads, shared by the panels asking in the same turn (storage/turn-batch.ts): an account's point prices
  // and a deployment's pricing configuration read once for all of them, their customers' contacts in one statement.
  const pricesOf = coalescedPerTurn(
    (accountId: string) => loadPricingSettings(db, accountId),
    (accountId) => accountId,
  );
  const configOf = coalescedPerTurn(
    (deploymentId: string) => pricingConfigOf(db, { deploymentId }),
    (deploymentId) => deploymentId,
  );
  const contactOf = batchedPerTurn((keys: readonly { deploymentId: string; phoneE164: string }[]) =>
    findContactsByPhone(db, keys),
  );

  // The body is the CSV itself (as Meta publishes it, sent with curl --data-binary): authenticated before a byte is
  // read, its query validated by the contract.
  mountRoute(
    router,
    routes.importRateCard,
    async ({ query }, { rawBody: body, response }) => {
      const card = readRateCardCsv(body, { id: query.id, effectiveFrom: query.effective_from, source: query.source });
      const now = clock.now();
      const stored = await importRateCard(db, card, body.toString('utf8'), now);
      response.location(`/v1/pricing/rate-cards/${stored.card.id}`);
      return presentRateCard(stored, await allRateCards(db), now);
    },
    options,
    { rawBody: { limitBytes: rateCardBodyLimitBytes } },
  );

  mountRoute(
    router,
    routes.previewRateCard,
    async ({ query }, { rawBody: body }) =>
      previewRateCard(
        db,
        readRateCardCsv(body, { id: query.id, effectiveFrom: query.effective_from, source: query.source }),
        clock.now(),
      ),
    options,
    { rawBody: { limitBytes: rateCardBodyLimitBytes } },
  );

  mountRoute(
    router,
    routes.listRateCards,
    async () => ({ data: presentRateCards(await allRateCards(db), clock.now()) }),
    options,
  );

  mountRoute(
    router,
    routes.getRateCard,
    async ({ params }) => {
      const cards = await allRateCards(db);
      const stored = cards.find((candidate) => candidate.card.id === params.rate_card_id);
      if (stored === undefined) throw new DomainError('not_found', `No rate card ${params.rate_card_id}.`);
      return presentRateCard(stored, cards, clock.now());
    },
    options,
  );

  mountRoute(
    router,
    routes.listRuleSets,
    async () => ({
      data: ruleSets.map((ruleSet) => ({
        id: ruleSet.id,
        model: ruleSet.model,
        effective_from: ruleSet.effectiveFrom,
        status: ruleSet.status,
        source: ruleSet.source,
      })),
    }),
    options,
  );

  mountRoute(
    router,
    routes.getAccountPricingRules,
    async ({ params }) => {
      await accountOrNotFound(db, params.account_id);
      return accountPricingRulesOf(db, params.account_id);
    },
    options,
  );

  mountRoute(
    router,
    routes.putAccountPricingRules,
    async ({ params, body }) => {
      await accountOrNotFound(db, params.account_id);
      return saveAccountPricingRules(db, params.account_id, body);
    },
    options,
  );

  mountRoute(
    router,
    routes.pricingQuote,
    async ({ query }, { caller }) => {
      const installation = installationOf(caller);
      // Read side by side: the contact and the configuration are not needed when the quote is refused, but waiting for
      // the prices first would put more round trips on every quote.
      const contactRead = contactOf({ deploymentId: installation.deploymentId, phoneE164: query.to });
      const configRead = configOf(installation.deploymentId);
      // Awaited below, unless the quote is refused first.
      contactRead.catch(() => {});
      configRead.catch(() => {});
      const settings = await pricesOf(installation.accountId);
      if (settings === undefined) {
        throw new DomainError('pricing_not_configured', 'This account has no point prices set; ask the bridge administrator.');
      }
      let content: PricedContent = { kind: 'free_form' };
      if (query.template !== undefined && query.language !== undefined) {
        const template = await findTemplate(db, installation.deploymentId, query.template, query.language);
        if (template === undefined) {
          throw new DomainError('template_not_found', `No template ${query.template} in ${query.language} on this deployment.`, {
            template: { name: query.template, language: query.language },
          });
        }
        content = { kind: 'template', category: template.category };
      }
      const price = await quoteMessage(db, {
        deploymentId: installation.deploymentId,
        to: query.to,
        content,
        settings,
        at: clock.now(),
        contact: await contactRead,
        config: await configRead,
      });
      return {
        category: price.category,
        market: price.market,
        points: price.points,
        free_reason: price.free_reason,
        rate_card: price.rate_card,
        rule_set: price.rule_set,
        rate_micro_usd: price.rate_micro_usd,
      };
    },
    options,
  );
  return router;
}

async function accountOrNotFound(db: Services['db'], accountId: string): Promise<void> {
  if ((await findAccount(db, accountId, undefined)) === undefined) {
    throw new DomainError('not_found', `No account ${accountId}.`);
  }
}
