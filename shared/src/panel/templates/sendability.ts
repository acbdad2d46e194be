import type { NumberSending } from '../../contract/contacts.js';
import type { PricingQuoteResponse } from '../../contract/pricing.js';
import type { Wallet } from '../../contract/wallet.js';
import type { TemplateProblem } from '../../templates/index.js';
import type { RequesterPhone } from '../data/phone.js';
import type { Resource } from '../data/useResource.js';
import type { I18n } from '../i18n/I18nProvider.js';
import { numberBlock } from '../number/model.js';
import { consentBlockedReason, type OptinContext } from '../optin/model.js';
import { pointsBlockedReason } from '../points/model.js';
import type { PanelTemplate } from './model.js';

/**
 * Why this template cannot be sent now, or null when it can. The first reason that applies is given: the one
 * the agent must act on first (nothing can fix a paused template; points only an administrator can buy; consent is
 * recorded above; values can be fixed). `optin` is null while the customer's consent is not known: the bridge would
 * refuse a template without it. `quote` and `wallet` block only when both are known and the cost is above what is
 * available (a free message never); null or not loaded: the bridge decides. `number`: the deployment's number as the
 * contact's status reads it; one that cannot send blocks every template (the banner above says why).
 */
export function templateBlockedReason(
  i18n: I18n,
  {
    phone,
    template,
    problems,
    optin,
    quote = null,
    wallet = null,
    number = null,
  }: {
    phone: RequesterPhone;
    template: PanelTemplate;
    problems: TemplateProblem[];
    optin: OptinContext | null;
    quote?: Resource<PricingQuoteResponse> | null;
    wallet?: Resource<Wallet> | null;
    number?: NumberSending | null;
  },
): string | null {
  const { t } = i18n;
  if (phone.kind !== 'ok') return t('sendBlocked.noPhone');
  if (numberBlock(number) !== null) return t('sendBlocked.numberCannotSend');
  const { status } = template.summary;
  if (status === 'PAUSED') return t('sendBlocked.paused');
  if (status === 'DISABLED') return t('sendBlocked.disabled');
  if (status !== 'APPROVED') return t('sendBlocked.notApproved', { status });
  if (template.template === null || problems.some((problem) => problem.code === 'unsupported_template')) {
    return t('sendBlocked.unsupported');
  }
  const points = pointsBlockedReason(i18n, quote, wallet);
  if (points !== null) return points;
  const consent = consentBlockedReason(i18n, optin, template.summary);
  if (consent !== null) return consent;
  if (problems.length > 0) return t('sendBlocked.invalidValues');
  return null;
}
