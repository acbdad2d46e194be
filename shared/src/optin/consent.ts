import * as z from 'zod';
import { foldText } from './text.js';
import { defaultTopicIds, topicIdSchema } from './topics.js';

/*
 * Consent records: who agreed (or stopped agreeing) to which topic, when, how, and with which wording.
 * The registry is append-only: a record is never changed or deleted; a change of mind is a new record,
 * and the current state of each topic is derived from all of them. That history is what lets the
 * business prove consent (GDPR), so every record keeps its source and its evidence.
 */

export const consentStates = ['opted_in', 'opted_out'] as const;

export type ConsentState = (typeof consentStates)[number];

/**
 * How consent was given or withdrawn. The first eleven are the ways a business collects consent
 * (seed 003); `whatsapp_preferences` is the customer's choice in WhatsApp's own marketing controls, as
 * Meta reports it (the `user_preferences` webhook, error 131050 on a send). It gets a source of its own,
 * rather than `whatsapp_conversation`, because the customer wrote nothing in the conversation: a record
 * must say how consent changed, and only a stop from this route can be undone by a resume from it.
 */
export const consentSources = [
  'whatsapp_conversation',
  'website_form',
  'checkout',
  'sms',
  'ivr',
  'paper',
  'ctwa_ad',
  'qr_code',
  'agent',
  'import',
  'api',
  'whatsapp_preferences',
] as const;

export type ConsentSource = (typeof consentSources)[number];

/** Room for the full opt-in wording of a checkout page or paper form; a whole contract belongs in a link. */
export const evidenceLengthMax = 2000;

/** Names an agent or a system (`zendesk:agent:12345`, an email address); longer is not a name. */
export const recordedByLengthMax = 200;

/**
 * The clock of whoever records consent (a website, a helpdesk) may run a little ahead of ours; within
 * this margin a future `occurred_at` is taken as skew, beyond it as a mistake.
 */
export const futureToleranceMs = 5 * 60 * 1000;

function isNotBlank(value: string): boolean {
  return value.trim() !== '';
}

/**
 * The body of a request that records consent: its shape, for the contract and the OpenAPI document.
 * What depends on the account and the clock (a known topic, the business's name in an opt-in, not in
 * the future) is `validateConsent`'s, which also checks this shape and reports it with stable codes.
 */
export const consentInputSchema = z
  .strictObject({
    topic: topicIdSchema,
    state: z.enum(consentStates),
    source: z.enum(consentSources),
    evidence: z
      .string()
      .max(evidenceLengthMax)
      .refine(isNotBlank, { message: 'must not be blank', params: { problem: 'evidence_empty' } })
      .meta({
        description:
          'The wording the customer saw or said, or a reference to the message that carried it. An opt-in must name the business.',
      }),
    recorded_by: z
      .string()
      .max(recordedByLengthMax)
      .refine(isNotBlank, { message: 'must not be blank', params: { problem: 'invalid_recorded_by' } })
      .optional()
      .meta({ description: 'Who recorded it.' }),
    occurred_at: z.iso
      .datetime({ offset: true })
      .optional()
      .meta({ description: 'When the customer gave or withdrew consent (ISO 8601); defaults to now.' }),
  })
  .meta({ description: 'One consent record: a customer opting in to or out of one topic.' });

export type ConsentInput = z.infer<typeof consentInputSchema>;

/** A consent record ready to append: validated, with its instant resolved. */
export type ConsentEntry = {
  topic: string;
  state: ConsentState;
  source: ConsentSource;
  evidence: string;
  /** Null when no person recorded it: the bridge derived it from a WhatsApp signal, or the caller named no one. */
  recordedBy: string | null;
  occurredAt: Date;
};

/** An appended record: `sequence` is its position in the append-only log, increasing with every append. */
export type ConsentRecord = ConsentEntry & { sequence: number };

export const consentProblemCodes = [
  /** The input is not a JSON object. */
  'not_an_object',
  /** A field the input does not have (`field` names it). */
  'unknown_field',
  /** A required field is absent. */
  'missing',
  /** The topic is not a topic id (lower snake case). */
  'invalid_topic',
  /** The topic is well formed but the account has no such topic. */
  'unknown_topic',
  /** The state is neither `opted_in` nor `opted_out`. */
  'invalid_state',
  /** The source is not one of `consentSources`. */
  'unknown_source',
  /** The evidence is empty or only whitespace. */
  'evidence_empty',
  /** The evidence is longer than `evidenceLengthMax`. */
  'evidence_too_long',
  /** An opt-in's evidence does not contain any of the business's names. */
  'evidence_must_name_business',
  /** An opt-in cannot be checked: the account has no business name set up. */
  'business_name_not_configured',
  /** `recorded_by` is not a non-empty string of at most `recordedByLengthMax` characters. */
  'invalid_recorded_by',
  /** `occurred_at` is not an ISO 8601 instant with a time zone (`Z` or `+09:00`). */
  'invalid_timestamp',
  /** `occurred_at` is later than now (beyond `futureToleranceMs`). */
  'in_the_future',
] as const;

export type ConsentProblemCode = (typeof consentProblemCodes)[number];

export type ConsentProblem = {
  /** The input field at fault, or '' for the input as a whole. */
  field: string;
  code: ConsentProblemCode;
  message: string;
};

export type ConsentContext = {
  /**
   * The names a customer may know the business by (WhatsApp display name, legal name, the name in
   * Japanese…). An opt-in's evidence must contain at least one, ignoring case and full/half width.
   */
  businessNames: readonly string[];
  /** The account's topic ids (`topicIds(configuration)`). */
  knownTopics: readonly string[];
  now: Date;
};

export type ConsentValidation = { ok: true; entry: ConsentEntry } | { ok: false; problems: ConsentProblem[] };

const inputFields = ['topic', 'state', 'source', 'evidence', 'recorded_by', 'occurred_at'] as const;

const isoInstant = z.iso.datetime({ offset: true });

/**
 * Checks a consent record input (the API body, a CSV row) against the account and the clock, and
 * reports every problem at once with a stable code. Valid input becomes an entry whose `occurredAt`
 * defaults to `now`.
 */
export function validateConsent(input: unknown, context: ConsentContext): ConsentValidation {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, problems: [{ field: '', code: 'not_an_object', message: 'must be an object' }] };
  }
  const fields = input as Record<string, unknown>;
  const problems = [
    ...unknownFieldProblems(fields),
    ...topicProblems(fields.topic, context.knownTopics),
    ...enumProblems('state', fields.state, consentStates, 'invalid_state'),
    ...enumProblems('source', fields.source, consentSources, 'unknown_source'),
    ...evidenceProblems(fields.evidence, fields.state, context.businessNames),
    ...recordedByProblems(fields.recorded_by),
    ...occurredAtProblems(fields.occurred_at, context.now),
  ];
  if (problems.length > 0) {
    return { ok: false, problems };
  }
  const valid = fields as ConsentInput;
  return {
    ok: true,
    entry: {
      topic: valid.topic,
      state: valid.state,
      source: valid.source,
      evidence: valid.evidence,
      recordedBy: valid.recorded_by ?? null,
      occurredAt: valid.occurred_at === undefined ? context.now : new Date(valid.occurred_at),
    },
  };
}

function problem(field: string, code: ConsentProblemCode, message: string): ConsentProblem[] {
  return [{ field, code, message }];
}

function unknownFieldProblems(fields: Record<string, unknown>): ConsentProblem[] {
  return Object.keys(fields)
    .filter((field) => !(inputFields as readonly string[]).includes(field))
    .flatMap((field) => problem(field, 'unknown_field', 'is not a field of a consent record'));
}

function topicProblems(topic: unknown, knownTopics: readonly string[]): ConsentProblem[] {
  if (topic === undefined) return problem('topic', 'missing', 'is required');
  if (!topicIdSchema.safeParse(topic).success) return problem('topic', 'invalid_topic', 'must be a topic id like order_updates');
  if (!knownTopics.includes(topic as string)) {
    return problem('topic', 'unknown_topic', `the account has no topic ${topic as string}`);
  }
  return [];
}

function enumProblems(field: string, value: unknown, allowed: readonly string[], code: ConsentProblemCode): ConsentProblem[] {
  if (value === undefined) return problem(field, 'missing', 'is required');
  if (typeof value !== 'string' || !allowed.includes(value)) return problem(field, code, `must be one of ${allowed.join(', ')}`);
  return [];
}

function evidenceProblems(evidence: unknown, state: unknown, businessNames: readonly string[]): ConsentProblem[] {
  if (evidence === undefined) return problem('evidence', 'missing', 'is required');
  if (typeof evidence !== 'string' || evidence.trim() === '') {
    return problem('evidence', 'evidence_empty', 'must be the wording shown to the customer');
  }
  if (evidence.length > evidenceLengthMax) {
    return problem('evidence', 'evidence_too_long', `must be at most ${evidenceLengthMax} characters`);
  }
  if (state !== 'opted_in') return [];
  return businessNameProblems(evidence, businessNames);
}

/**
 * WhatsApp requires an opt-in to name the business, so the customer knows whose messages they accept.
 * Folding both sides lets 「ＡＣＭＥ」 in a Japanese form match the display name "Acme".
 */
function businessNameProblems(evidence: string, businessNames: readonly string[]): ConsentProblem[] {
  const names = businessNames.map(foldText).filter((name) => name !== '');
  if (names.length === 0) {
    return problem('evidence', 'business_name_not_configured', 'the account has no business name to check an opt-in against');
  }
  const foldedEvidence = foldText(evidence);
  if (names.some((name) => foldedEvidence.includes(name))) return [];
  return problem(
    'evidence',
    'evidence_must_name_business',
    `an opt-in's wording must name the business (${businessNames.filter((name) => name.trim() !== '').join(' / ')})`,
  );
}

function recordedByProblems(recordedBy: unknown): ConsentProblem[] {
  if (recordedBy === undefined) return [];
  if (typeof recordedBy !== 'string' || recordedBy.trim() === '' || recordedBy.length > recordedByLengthMax) {
    return problem('recorded_by', 'invalid_recorded_by', `must name who recorded it in 1–${recordedByLengthMax} characters`);
  }
  return [];
}

function occurredAtProblems(occurredAt: unknown, now: Date): ConsentProblem[] {
  if (occurredAt === undefined) return [];
  if (!isoInstant.safeParse(occurredAt).success) {
    return problem(
      'occurred_at',
      'invalid_timestamp',
      'must be an ISO 8601 instant with a time zone, e.g. 2026-01-10T09:00:00+09:00',
    );
  }
  if (new Date(occurredAt as string).getTime() > now.getTime() + futureToleranceMs) {
    return problem('occurred_at', 'in_the_future', 'is later than now');
  }
  return [];
}

/** Where one topic stands for a contact. `unknown`: no record at all, so no consent. */
export type TopicConsent = {
  state: ConsentState | 'unknown';
  /** How the deciding record was collected; null when `unknown`. */
  source: ConsentSource | null;
  /** When the deciding record says consent changed; null when `unknown`. */
  at: Date | null;
};

/** Each topic's current consent for one contact. Read it with `consentForTopic`. */
export type ConsentByTopic = Record<string, TopicConsent>;

export const unknownConsent: TopicConsent = { state: 'unknown', source: null, at: null };

/**
 * The current consent per topic, from a contact's records in any order. For each topic the record with
 * the latest `occurredAt` decides: consent arrives late and out of order (a CSV import of last year's
 * forms, a webhook retried hours later), and the latest decision of the customer is the one that
 * stands, not the latest to reach us. Records at the same instant are decided by `sequence`, the later
 * append winning: with one-second timestamps from Meta a STOP and an agent's entry can share an
 * instant, and the log order is the only order left (with equal sequences too, the later in the list).
 *
 * Every topic in `topics` is in the result (`unknown` when it has no record), and so is every topic that
 * has records, even one since removed from the account: hiding a recorded decision would be worse.
 */
export function currentConsent(records: readonly ConsentRecord[], topics: readonly string[] = defaultTopicIds): ConsentByTopic {
  const deciding = new Map<string, ConsentRecord>();
  for (const record of records) {
    const current = deciding.get(record.topic);
    if (current === undefined || !isEarlier(record, current)) deciding.set(record.topic, record);
  }
  const entries: [string, TopicConsent][] = topics.map((topic) => [topic, unknownConsent]);
  for (const [topic, record] of deciding) {
    entries.push([topic, { state: record.state, source: record.source, at: record.occurredAt }]);
  }
  return Object.fromEntries(entries);
}

/** Whether `record` comes strictly before `other` in the order of the customer's decisions. */
export function isEarlier(record: ConsentRecord, other: ConsentRecord): boolean {
  const difference = record.occurredAt.getTime() - other.occurredAt.getTime();
  return difference !== 0 ? difference < 0 : record.sequence < other.sequence;
}

/**
 * One topic's consent; `unknown` for a topic the map does not have. Reads own properties only, so a
 * topic id such as `constructor` can never pick up an inherited property.
 */
export function consentForTopic(consent: ConsentByTopic, topic: string): TopicConsent {
  return Object.hasOwn(consent, topic) ? (consent[topic] ?? unknownConsent) : unknownConsent;
}
