import {
  type ConsentEntry,
  type ConsentRecord,
  type consentAuditQuery,
  type consentExportQuery,
  defaultKeywordConfiguration,
  defaultOptinConfirmations,
  defaultTopicConfiguration,
  type KeywordConfiguration,
  keywordConfigurationSchema,
  type OptinConfirmations,
  optinConfirmations,
  type TopicConfiguration,
  topicConfigurationSchema,
} from '@wabridge/shared';
import type { Kysely, Selectable, Transaction } from 'kysely';
import type * as z from 'zod';
import type { Schema } from '../storage/schema.js';

type Database = Kysely<Schema> | Transaction<Schema>;
export type ConsentRow = Selectable<Schema['consents']>;

export interface OptinSettings {
  configuration: TopicConfiguration;
  keywords: KeywordConfiguration;
  /** Names configured for the account, before the account's and its numbers' display names are added. */
  configuredBusinessNames: string[];
  /** The replies to keyword opt-outs and resumes; null sends none. */
  confirmations: OptinConfirmations;
}

/** The account's opt-in settings; the shared defaults when it has none. */
export async function loadOptinSettings(db: Database, accountId: string): Promise<OptinSettings> {
  return optinSettingsOf(
    await db.selectFrom('account_optin_settings').selectAll().where('account_id', '=', accountId).executeTakeFirst(),
  );
}

/** The settings an `account_optin_settings` row holds (its JSON columns as stored); the defaults without a row. */
export function optinSettingsOf(
  row: { topics: unknown; keywords: unknown; business_names: unknown; confirmations: unknown } | undefined,
): OptinSettings {
  if (row === undefined) {
    return {
      configuration: defaultTopicConfiguration,
      keywords: defaultKeywordConfiguration,
      configuredBusinessNames: [],
      confirmations: defaultOptinConfirmations,
    };
  }
  return {
    configuration: topicConfigurationSchema.parse(row.topics),
    keywords: keywordConfigurationSchema.parse(row.keywords),
    configuredBusinessNames: row.business_names as string[],
    confirmations: optinConfirmations.parse(row.confirmations),
  };
}

export async function saveOptinSettings(db: Database, accountId: string, settings: OptinSettings): Promise<void> {
  const values = {
    topics: JSON.stringify(settings.configuration),
    keywords: JSON.stringify(settings.keywords),
    business_names: JSON.stringify(settings.configuredBusinessNames),
    confirmations: JSON.stringify(settings.confirmations),
  };
  await db
    .insertInto('account_optin_settings')
    .values({ account_id: accountId, ...values })
    .onConflict((conflict) => conflict.column('account_id').doUpdateSet({ ...values, updated_at: new Date() }))
    .execute();
}

/** Every name an opt-in's wording may use to name the business: configured ones, the account's, its numbers'. */
export async function businessNamesOf(db: Database, accountId: string, configured: readonly string[]): Promise<string[]> {
  const account = await db.selectFrom('accounts').select('name').where('id', '=', accountId).executeTakeFirst();
  const numbers = await db.selectFrom('deployments').select('display_name').where('account_id', '=', accountId).execute();
  const names = [...configured, ...(account ? [account.name] : []), ...numbers.map((number) => number.display_name)];
  return [...new Set(names.map((name) => name.trim()).filter(Boolean))];
}

export function asConsentRecord(row: ConsentRow): ConsentRecord {
  return {
    topic: row.topic,
    state: row.state,
    source: row.source as ConsentRecord['source'],
    evidence: row.evidence,
    recordedBy: row.recorded_by,
    occurredAt: row.occurred_at,
    sequence: row.id,
  };
}

export async function consentRowsOf(db: Database, accountId: string, phone: string): Promise<ConsentRow[]> {
  return db
    .selectFrom('consents')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('phone', '=', phone)
    .orderBy('id')
    .execute();
}

/** The account's consents matching the export's filters, oldest first (the audit trail as it was written). */
export async function consentRowsForExport(
  db: Database,
  accountId: string,
  filters: z.output<typeof consentExportQuery>,
): Promise<ConsentRow[]> {
  return filteredConsents(db, accountId, filters).orderBy('occurred_at').orderBy('id').execute();
}

/** The newest `limit` records of the account's trail that pass the filters, newest first (the console's audit list). */
export async function consentRowsForAudit(
  db: Database,
  accountId: string,
  filters: z.output<typeof consentAuditQuery>,
): Promise<ConsentRow[]> {
  return (
    filteredConsents(db, accountId, filters)
      // The log's position is its order of recording (an import stores its rows in file order).
      .orderBy('id', 'desc')
      .limit(filters.limit)
      .execute()
  );
}

function filteredConsents(db: Database, accountId: string, filters: z.output<typeof consentExportQuery>) {
  let select = db.selectFrom('consents').selectAll().where('account_id', '=', accountId);
  if (filters.phone !== undefined) select = select.where('phone', '=', filters.phone);
  if (filters.topic !== undefined) select = select.where('topic', '=', filters.topic);
  if (filters.state !== undefined) select = select.where('state', '=', filters.state);
  if (filters.source !== undefined) select = select.where('source', '=', filters.source);
  if (filters.from !== undefined) select = select.where('occurred_at', '>=', new Date(filters.from));
  if (filters.to !== undefined) select = select.where('occurred_at', '<', new Date(filters.to));
  return select;
}

export async function consentRecordsOf(db: Database, accountId: string, phone: string): Promise<ConsentRecord[]> {
  return (await consentRowsOf(db, accountId, phone)).map(asConsentRecord);
}

export interface ConsentReferences {
  installationId?: string | null;
  deploymentId?: string | null;
  messageRef?: string | null;
}

/** Appends records to the log; the log never changes otherwise (a trigger refuses updates and deletes). */
export async function appendConsents(
  db: Database,
  accountId: string,
  phone: string,
  entries: readonly (ConsentEntry & { phone?: string })[],
  references: ConsentReferences = {},
): Promise<ConsentRow[]> {
  if (entries.length === 0) return [];
  return db
    .insertInto('consents')
    .values(
      entries.map((entry) => ({
        account_id: accountId,
        phone: entry.phone ?? phone,
        topic: entry.topic,
        state: entry.state,
        source: entry.source,
        evidence: entry.evidence,
        recorded_by: entry.recordedBy,
        occurred_at: entry.occurredAt,
        installation_id: references.installationId ?? null,
        deployment_id: references.deploymentId ?? null,
        message_ref: references.messageRef ?? null,
      })),
    )
    .returningAll()
    .execute();
}

export function presentConsent(row: ConsentRow) {
  return {
    id: row.id,
    phone: row.phone,
    topic: row.topic,
    state: row.state,
    source: row.source as ConsentRecord['source'],
    evidence: row.evidence,
    recorded_by: row.recorded_by,
    occurred_at: row.occurred_at.toISOString(),
    recorded_at: row.recorded_at.toISOString(),
    message_ref: row.message_ref,
  };
}

/** The E.164 number of a WhatsApp id, when it is one (username-only contacts have none). */
export function phoneOfWaId(waId: string | null): string | null {
  if (waId === null) return null;
  const phone = `+${waId}`;
  return /^\+[1-9][0-9]{6,14}$/.test(phone) ? phone : null;
}
