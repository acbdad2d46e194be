import { type MessageTemplate, renderTemplatePreview, type TemplateValues } from '@wabridge/shared';
import { type Kysely, sql } from 'kysely';
import type { Schema } from '../storage/schema.js';

/**
 * The words a customer received for template messages: the template's header text, body and footer with the values
 * the message was sent with (issue #15: "show the text the customer received", not the template's name). Rendered
 * from the template as the bridge knows it now (also one Meta has since removed): Meta forbids editing an approved
 * template's text in place beyond its category and a few edits a month, so this is the text sent except after such an
 * edit. Media headers are not words; buttons are left out.
 */
export async function renderedTemplateTexts(
  db: Kysely<Schema>,
  deploymentId: string,
  messages: { id: string; templateName: string | null; templateLanguage: string | null; content: unknown }[],
): Promise<Map<string, string>> {
  const wanted = messages.filter((message) => message.templateName !== null && message.templateLanguage !== null);
  if (wanted.length === 0) return new Map();
  const names = [...new Set(wanted.map((message) => message.templateName as string))];
  // The current template of each name and language, else the most recently removed one.
  const rows = await db
    .selectFrom('templates')
    .select(['name', 'language', 'meta_template_id', 'category', 'status', 'parameter_format', 'components'])
    .where('deployment_id', '=', deploymentId)
    .where('name', 'in', names)
    .orderBy(sql`removed_at is null`, 'desc')
    .orderBy('updated_at', 'desc')
    .execute();
  const templates = new Map<string, MessageTemplate>();
  for (const row of rows) {
    const key = `${row.name}\u0000${row.language}`;
    if (templates.has(key)) continue;
    templates.set(key, {
      id: row.meta_template_id,
      name: row.name,
      language: row.language,
      status: row.status,
      category: row.category,
      parameter_format: row.parameter_format,
      components: (row.components ?? []) as MessageTemplate['components'],
    });
  }
  const texts = new Map<string, string>();
  for (const message of wanted) {
    const template = templates.get(`${message.templateName}\u0000${message.templateLanguage}`);
    if (template === undefined) continue;
    const values = ((message.content as { template?: { parameters?: TemplateValues } }).template?.parameters ??
      {}) as TemplateValues;
    const preview = renderTemplatePreview(template, values);
    const header = preview.header?.kind === 'text' ? preview.header.text : undefined;
    texts.set(message.id, [header, preview.body, preview.footer].filter((part) => part !== undefined && part !== '').join('\n'));
  }
  return texts;
}
