import { routes } from '@wabridge/shared';
import { Router } from 'express';
import type { Caller } from '../http/caller.js';
import { type MountOptions, mountRoute } from '../http/mount.js';
import { ProblemError } from '../http/problem.js';
import type { Services } from '../services.js';
import { findTemplate } from '../templates/store.js';
import { loadPricingSettings } from '../wallet/store.js';
import { type PricedContent, quoteMessage } from './quote.js';

function installationOf(caller: Caller) {
  if (caller.kind !== 'installation') throw new ProblemError('installation_required', 'Use an installation token.');
  return caller;
}

export function pricingRouter({ db }: Services, options: MountOptions): Router {
  const router = Router();
  mountRoute(
    router,
    routes.pricingQuote,
    async ({ query }, { caller }) => {
      const installation = installationOf(caller);
      const settings = await loadPricingSettings(db, installation.accountId);
      if (settings === undefined) {
        throw new ProblemError('pricing_not_configured', 'This account has no point prices set; ask the bridge administrator.');
      }
      let content: PricedContent = { kind: 'free_form' };
      if (query.template !== undefined && query.language !== undefined) {
        const template = await findTemplate(db, installation.deploymentId, query.template, query.language);
        if (template === undefined) {
          throw new ProblemError('template_not_found', `No template ${query.template} in ${query.language} on this deployment.`, {
            template: { name: query.template, language: query.language },
          });
        }
        content = { kind: 'template', category: template.category };
      }
      const price = await quoteMessage(db, { deploymentId: installation.deploymentId, to: query.to, content, settings });
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
