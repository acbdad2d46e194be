import { type ConsentByTopic, type ConsentEntry, type ConsentRecord, consentForTopic, isEarlier } from './consent.js';
import type { KeywordMatch } from './keywords.js';
import { marketingTopics, type TopicConfiguration, topicIds } from './topics.js';

/*
 * The opt-in policy on a send, and the three routes by which a customer opts out without the business
 * asking: a keyword in a message, WhatsApp's own marketing controls (the `user_preferences` webhook),
 * and Meta refusing a send with error 131050. Each route becomes ordinary consent records, so the
 * registry keeps one history and `currentConsent` one rule.
 */

export type SendConsentQuestion =
  | {
      /**
       * A free-form reply. It needs no opt-in: only the customer service window limits it, and that is
       * checked by the window rules (`windowState`), not here. The customer wrote first, so answering
       * them is not the business-initiated contact opt-in is about, even after a STOP.
       */
      messageKind: 'free_form';
    }
  | {
      messageKind: 'template';
      /** The template's topic now: `topicForTemplate` with its current category. */
      topic: string;
      consent: ConsentByTopic;
    };

export type SendConsentRefusal = {
  allowed: false;
  /** `opt_in_required`: the customer never opted in to the topic; `opted_out`: they withdrew. */
  reason: 'opt_in_required' | 'opted_out';
  topic: string;
  state: 'unknown' | 'opted_out';
};

export type SendConsentVerdict = { allowed: true } | SendConsentRefusal;

/**
 * Whether consent allows a send. A template needs the customer's opt-in to its topic, whatever the
 * window: an open window lets the business reply, but a template sent inside it is still a message of
 * that topic, and a customer who stopped promotions has not asked for one by writing about an order.
 */
export function checkSendConsent(question: SendConsentQuestion): SendConsentVerdict {
  if (question.messageKind === 'free_form') return { allowed: true };
  const { state } = consentForTopic(question.consent, question.topic);
  if (state === 'opted_in') return { allowed: true };
  if (state === 'opted_out') return { allowed: false, reason: 'opted_out', topic: question.topic, state };
  return { allowed: false, reason: 'opt_in_required', topic: question.topic, state };
}

/** The refusal in a sentence, for the API's `detail` and as the apps' fallback wording. */
export function describeConsentRefusal(refusal: SendConsentRefusal): string {
  return refusal.reason === 'opted_out'
    ? `The customer has opted out of “${refusal.topic}” messages.`
    : `The customer has not opted in to “${refusal.topic}” messages (no consent is recorded).`;
}

/** What the bridge knows about a contact when it turns a signal into records. */
export type ConsentSignalContext = {
  configuration: Pick<TopicConfiguration, 'topics' | 'template_rules'>;
  /** The contact's consent records so far, in any order. */
  records: readonly ConsentRecord[];
};

export type UserPreferenceSignal = {
  /** Meta's `value`: `stop` and `resume` are acted on; any other value (`signup`…) records nothing. */
  value: string;
  timestamp: Date;
  detail?: string | null;
};

/** Meta's `detail` is a short sentence; a cap keeps a surprising one from overflowing the evidence. */
const signalDetailLengthMax = 200;

/**
 * The customer pressed Stop (or Resume) promotions in WhatsApp. Stop withdraws every marketing topic
 * (`marketingTopics`). Resume restores the marketing topics that a stop from WhatsApp's controls
 * withdrew and that were opted in before it; it never opts in a topic the customer had not accepted,
 * because Meta's resume only lifts Meta's block, it is not an opt-in naming the business.
 */
export function consentFromUserPreference(signal: UserPreferenceSignal, context: ConsentSignalContext): ConsentEntry[] {
  const topics = marketingTopics(context.configuration);
  const detail = signal.detail ? `: ${signal.detail.slice(0, signalDetailLengthMax)}` : '';
  if (signal.value === 'stop') {
    const evidence = `WhatsApp reported that the customer stopped marketing messages (user_preferences "stop"${detail}).`;
    return topics.map((topic) => optOut(topic, 'whatsapp_preferences', evidence, signal.timestamp));
  }
  if (signal.value === 'resume') {
    return resumedTopics(context.records, topics, 'whatsapp_preferences', signal.timestamp).map(({ topic, restored }) =>
      optIn(
        topic,
        'whatsapp_preferences',
        `WhatsApp reported that the customer resumed marketing messages (user_preferences "resume"${detail}); ${restoring(restored)}`,
        signal.timestamp,
      ),
    );
  }
  return [];
}

export type InboundMessageReference = { messageId: string; timestamp: Date };

/**
 * A keyword message. An opt-out withdraws every topic of the account (or the marketing topics, for a
 * `marketing` keyword), including topics without consent yet: the STOP then also outranks any older
 * consent imported later. A resume keyword restores the topics in its scope that a keyword stop
 * withdrew and that were opted in before it; with nothing to restore it records nothing.
 */
export function consentFromKeyword(
  match: KeywordMatch,
  message: InboundMessageReference,
  context: ConsentSignalContext,
): ConsentEntry[] {
  const topics = match.scope === 'marketing' ? marketingTopics(context.configuration) : topicIds(context.configuration);
  const sent = `The customer sent “${match.keyword}” in WhatsApp message ${message.messageId}`;
  if (match.kind === 'opt_out') {
    return topics.map((topic) => optOut(topic, 'whatsapp_conversation', `${sent}.`, message.timestamp));
  }
  return resumedTopics(context.records, topics, 'whatsapp_conversation', message.timestamp).map(({ topic, restored }) =>
    optIn(topic, 'whatsapp_conversation', `${sent}; ${restoring(restored)}`, message.timestamp),
  );
}

export type MetaError131050 = {
  wamid: string;
  timestamp: Date;
  /** The topic of the template Meta refused, when the caller knows it. */
  topic?: string;
};

/**
 * Meta refused a send with 131050: the customer has stopped marketing messages in WhatsApp. This is
 * the same fact as a `user_preferences` stop we may not have received, so it withdraws the marketing
 * topics, and the topic of the refused template too.
 */
export function consentFromMetaError131050(
  error: MetaError131050,
  context: Pick<ConsentSignalContext, 'configuration'>,
): ConsentEntry[] {
  const topics = new Set(marketingTopics(context.configuration));
  if (error.topic !== undefined) topics.add(error.topic);
  const evidence = `Meta refused message ${error.wamid} with error 131050: the customer stopped marketing messages in WhatsApp.`;
  return [...topics].map((topic) => optOut(topic, 'whatsapp_preferences', evidence, error.timestamp));
}

function optOut(topic: string, source: ConsentEntry['source'], evidence: string, occurredAt: Date): ConsentEntry {
  return { topic, state: 'opted_out', source, evidence, recordedBy: null, occurredAt };
}

function optIn(topic: string, source: ConsentEntry['source'], evidence: string, occurredAt: Date): ConsentEntry {
  return { topic, state: 'opted_in', source, evidence, recordedBy: null, occurredAt };
}

function restoring(restored: ConsentRecord): string {
  return `this restores the opt-in recorded at ${restored.occurredAt.toISOString()} (source ${restored.source}, record ${restored.sequence}).`;
}

/**
 * The topics a resume from `stopSource` gives back, each with the opt-in it restores. As of `at`, a
 * topic qualifies when its latest records are opt-outs from `stopSource` (at least one) and the record
 * just before them is an opt-in. A topic opted out by any other route stays opted out: a resume undoes
 * only its own kind of stop, and an opt-out the customer gave elsewhere still stands. (An opt-out an
 * agent recorded with source `whatsapp_conversation` is of the keyword's kind: the customer said it in
 * the same conversation in which they now ask to resume.)
 */
export function resumedTopics(
  records: readonly ConsentRecord[],
  topics: readonly string[],
  stopSource: ConsentEntry['source'],
  at: Date,
): { topic: string; restored: ConsentRecord }[] {
  return topics.flatMap((topic) => {
    const history = records
      .filter((record) => record.topic === topic && record.occurredAt.getTime() <= at.getTime())
      .sort((first, second) => (isEarlier(first, second) ? 1 : isEarlier(second, first) ? -1 : 0));
    const beforeStops = history.findIndex((record) => !(record.state === 'opted_out' && record.source === stopSource));
    const restored = beforeStops > 0 ? history[beforeStops] : undefined;
    return restored?.state === 'opted_in' ? [{ topic, restored }] : [];
  });
}
