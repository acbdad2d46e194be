import type { TemplateSummary, TemplateSync } from '@wabridge/shared';
import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import type { MessageTemplate } from '../meta/resources.js';
import type { Schema } from '../storage/schema.js';
import { parametersOf } from './model.js';

export type TemplateRow = Selectable<Schema['templates']>;
type SyncRow = Selectable<Schema['template_syncs']>;

export function presentTemplate(row: TemplateRow, displayName: string | null = null): TemplateSummary {
  const components = (row.components ?? []) as TemplateSummary['components'];
  return {
    id: row.meta_template_id,
    name: row.name,
    display_name: displayName,
    language: row.language,
    category: row.category,
    previous_category: row.previous_category,
    status: row.status,
    parameter_format: row.parameter_format,
    components,
    parameters: parametersOf(row),
    updated_at: row.updated_at.toISOString(),
  };
}

/** A sync of this deployment's templates; undefined when the id names none of its syncs. */
export async function findTemplateSync(db: Kysely<Schema>, deploymentId: string, syncId: string): Promise<SyncRow | undefined> {
  return db
    .selectFrom('template_syncs')
    .selectAll()
    .where('id', '=', syncId)
    .where('deployment_id', '=', deploymentId)
    .executeTakeFirst();
}

export function presentSync(row: SyncRow): TemplateSync {
  return {
    id: row.id,
    deployment_id: row.deployment_id,
    trigger: row.trigger,
    state: row.state,
    pages_fetched: row.pages_fetched,
    templates_seen: row.templates_seen,
    error: row.error,
    started_at: row.started_at.toISOString(),
    finished_at: row.finished_at?.toISOString() ?? null,
  };
}

/** Stores one template as Meta returned it; a template of the same name and language with another id replaced it. */
export async function upsertTemplate(
  db: Kysely<Schema> | Transaction<Schema>,
  deploymentId: string,
  template: MessageTemplate,
): Promise<void> {
  await db
    .updateTable('templates')
    .set({ removed_at: sql<Date>`now()`, updated_at: sql<Date>`now()` })
    .where('deployment_id', '=', deploymentId)
    .where('name', '=', template.name)
    .where('language', '=', template.language)
    .where('meta_template_id', '<>', template.id)
    .where('removed_at', 'is', null)
    .execute();
  const values = {
    name: template.name,
    language: template.language,
    category: template.category,
    previous_category: template.previous_category ?? null,
    status: template.status,
    parameter_format: template.parameter_format === 'NAMED' ? ('NAMED' as const) : ('POSITIONAL' as const),
    components: JSON.stringify(template.components ?? []),
    rejected_reason: template.rejected_reason ?? null,
    synced_at: new Date(),
    removed_at: null,
  };
  await db
    .insertInto('templates')
    .values({ deployment_id: deploymentId, meta_template_id: template.id, ...values })
    .onConflict((conflict) =>
      conflict.columns(['deployment_id', 'meta_template_id']).doUpdateSet({ ...values, updated_at: sql<Date>`now()` }),
    )
    .execute();
}

/** After a complete sync: every template Meta no longer lists is marked removed (kept, so past messages still name it). */
export async function markTemplatesRemoved(db: Kysely<Schema>, deploymentId: string, seenTemplateIds: string[]): Promise<number> {
  let query = db
    .updateTable('templates')
    .set({ removed_at: sql<Date>`now()`, updated_at: sql<Date>`now()` })
    .where('deployment_id', '=', deploymentId)
    .where('removed_at', 'is', null);
  if (seenTemplateIds.length > 0) query = query.where('meta_template_id', 'not in', seenTemplateIds);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export interface TemplateFilters {
  statuses: string[];
  language?: string | undefined;
  category?: string | undefined;
  search?: string | undefined;
}

export async function listTemplates(db: Kysely<Schema>, deploymentId: string, filters: TemplateFilters): Promise<TemplateRow[]> {
  let query = db
    .selectFrom('templates')
    .selectAll()
    .where('deployment_id', '=', deploymentId)
    .where('removed_at', 'is', null)
    .where('status', 'in', filters.statuses)
    .orderBy('name')
    .orderBy('language');
  if (filters.language !== undefined) query = query.where('language', '=', filters.language);
  if (filters.category !== undefined) query = query.where('category', '=', filters.category);
  if (filters.search !== undefined) {
    const pattern = `%${filters.search.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
    query = query.where((eb) => eb.or([eb('name', 'ilike', pattern), eb(sql`components::text`, 'ilike', pattern)]));
  }
  return query.execute();
}

export async function findTemplate(
  db: Kysely<Schema>,
  deploymentId: string,
  name: string,
  language: string,
): Promise<TemplateRow | undefined> {
  return db
    .selectFrom('templates')
    .selectAll()
    .where('deployment_id', '=', deploymentId)
    .where('name', '=', name)
    .where('language', '=', language)
    .where('removed_at', 'is', null)
    .executeTakeFirst();
}

/** Meta's template events, applied at once to every deployment of the account on that WhatsApp Business Account. */
export async function applyTemplateEvent(
  transaction: Transaction<Schema>,
  receivingDeploymentId: string,
  wabaId: string,
  templateId: string,
  change: { status?: string; category?: string },
): Promise<void> {
  const deployments = await transaction
    .selectFrom('deployments as sibling')
    .innerJoin('deployments as receiver', 'receiver.account_id', 'sibling.account_id')
    .select('sibling.id')
    .where('receiver.id', '=', receivingDeploymentId)
    .where('sibling.waba_id', '=', wabaId)
    .execute();
  const ids = deployments.map((deployment) => deployment.id);
  if (ids.length === 0) return;
  if (change.status !== undefined) {
    await transaction
      .updateTable('templates')
      .set({ status: change.status, updated_at: sql<Date>`now()` })
      .where('deployment_id', 'in', ids)
      .where('meta_template_id', '=', templateId)
      .execute();
  }
  if (change.category !== undefined) {
    await transaction
      .updateTable('templates')
      .set({ previous_category: sql<string>`category`, category: change.category, updated_at: sql<Date>`now()` })
      .where('deployment_id', 'in', ids)
      .where('meta_template_id', '=', templateId)
      .where('category', '<>', change.category)
      .execute();
  }
  // A full sync follows soon, for what the event does not say (a new template, edited components).
  await transaction.updateTable('deployments').set({ templates_sync_due_at: sql<Date>`now()` }).where('id', 'in', ids).execute();
}

/** The display names an account's admin gave this deployment's templates, keyed `name:language`. */
export async function templateDisplayNames(db: Kysely<Schema>, deploymentId: string): Promise<Map<string, string>> {
  const rows = await db
    .selectFrom('template_display_names')
    .select(['template_name', 'language', 'display_name'])
    .where('deployment_id', '=', deploymentId)
    .execute();
  return new Map(rows.map((row) => [`${row.template_name}:${row.language}`, row.display_name]));
}

/** Sets (or, with null, removes) a template's display name. A name may be given before the template is synced. */
export async function setTemplateDisplayName(
  db: Kysely<Schema>,
  key: { deploymentId: string; name: string; language: string },
  displayName: string | null,
): Promise<void> {
  const where = { deployment_id: key.deploymentId, template_name: key.name, language: key.language };
  if (displayName === null) {
    await db
      .deleteFrom('template_display_names')
      .where('deployment_id', '=', where.deployment_id)
      .where('template_name', '=', where.template_name)
      .where('language', '=', where.language)
      .execute();
    return;
  }
  await db
    .insertInto('template_display_names')
    .values({ ...where, display_name: displayName })
    .onConflict((conflict) =>
      conflict
        .columns(['deployment_id', 'template_name', 'language'])
        .doUpdateSet({ display_name: displayName, updated_at: sql<Date>`now()` }),
    )
    .execute();
}
