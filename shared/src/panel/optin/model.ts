import type { ContactStatus } from '../../contract/contacts.js';
import type { OptinSettings } from '../../contract/optin.js';
import type { ConsentByTopic } from '../../optin/consent.js';
import { checkSendConsent, type SendConsentVerdict } from '../../optin/policy.js';
import { topicForTemplate } from '../../optin/topics.js';
import type { I18n } from '../i18n/I18nProvider.js';

/** What the panel knows of the customer's consent, once both the account's topics and the contact's status are in. */
export interface OptinContext {
  settings: OptinSettings;
  consent: ConsentByTopic;
  /** The customer as the agent knows them (the ticket's requester), or null. */
  customerName: string | null;
}

/** The contact's consent per topic (`ContactStatus.opt_in`) as the shared rules read it. */
export function consentOf(contact: ContactStatus): ConsentByTopic {
  return Object.fromEntries(
    Object.entries(contact.opt_in).map(([topic, consent]) => [
      topic,
      { state: consent.state, source: consent.source, at: consent.at === null ? null : new Date(consent.at) },
    ]),
  );
}

/**
 * The topic's label when the account set one, else the built-in topic's name in the agent's language (marketing,
 * utility, authentication), else its id made readable (`order_news` → "Order news").
 */
export function topicName(settings: OptinSettings, topic: string, i18n?: Pick<I18n, 'tIfKnown'>): string {
  const label = settings.topics.find((candidate) => candidate.id === topic)?.label;
  if (label !== undefined) return label;
  const builtIn = i18n?.tIfKnown(`topicNames.${topic}`);
  if (builtIn !== undefined) return builtIn;
  const words = topic.replace(/[_-]+/g, ' ').trim();
  return words === '' ? topic : words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * The account's topics in its order, then any topic the customer has a record for that the account no longer
 * lists: a recorded decision is never hidden (as `currentConsent` keeps it).
 */
export function shownTopics(settings: OptinSettings, contact: ContactStatus): string[] {
  const listed = settings.topics.map((topic) => topic.id);
  return [...listed, ...Object.keys(contact.opt_in).filter((topic) => !listed.includes(topic))];
}

/** Whether the customer's consent allows this template now, by the bridge's own rules (its topic from its current category). */
export function templateConsent(optin: OptinContext, template: { name: string; category: string | null }): SendConsentVerdict {
  const topic = topicForTemplate(optin.settings, template);
  return checkSendConsent({ messageKind: 'template', topic, consent: optin.consent });
}

/** Why consent stops this template, in the agent's language, or null when it does not. */
export function consentBlockedReason(
  i18n: I18n,
  optin: OptinContext | null,
  template: { name: string; category: string | null },
): string | null {
  const { t } = i18n;
  if (optin === null) return t('sendBlocked.optinUnknown');
  const verdict = templateConsent(optin, template);
  if (verdict.allowed) return null;
  const params = { name: optin.customerName ?? t('optin.customer'), topic: topicName(optin.settings, verdict.topic, i18n) };
  return verdict.reason === 'opted_out' ? t('sendBlocked.optedOut', params) : t('sendBlocked.notOptedIn', params);
}
