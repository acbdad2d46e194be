import type { ListedParameter, TemplateSummary } from '../../contract/templates.js';
import { type MessageTemplate, messageTemplateSchema, renderTemplatePreview } from '../../templates/index.js';
import type { I18n } from '../i18n/I18nProvider.js';

export interface PanelTemplate {
  summary: TemplateSummary;
  /** The template in the shared model, for validation and preview; null when it cannot be read. */
  template: MessageTemplate | null;
  parameters: ListedParameter[];
  bodyText: string;
}

export function panelTemplateOf(summary: TemplateSummary): PanelTemplate {
  // Parsed with the same schema the bridge uses, which normalises what Meta leaves implicit (upper-case types…).
  const parsed = messageTemplateSchema.safeParse(summary);
  const template = parsed.success ? parsed.data : null;
  return {
    summary,
    template,
    parameters: summary.parameters,
    // Searched as the agent reads it: the body with its placeholders.
    bodyText: template === null ? '' : renderTemplatePreview(template, {}).body,
  };
}

/** `ja` for `ja`, `en` for `en_US`: Meta's language codes are a language and an optional region. */
export function primaryLanguage(language: string): string {
  return language.split(/[_-]/)[0]?.toLowerCase() ?? language;
}

/** Meta's category in the agent's language; a category Meta adds later shows as Meta names it. */
export function categoryName(i18n: I18n, category: string): string {
  return i18n.tIfKnown(`categories.${category}`) ?? category;
}

/**
 * A template's name as an agent reads it: the display name the account's admin gave it (`PUT /v1/deployments/{id}/
 * templates/{name}/{language}/display-name`), else Meta's snake_case identifier (`shipping_update`) shown as words
 * ("Shipping update"). The search finds a template by either (`matchesSearch`).
 */
export function templateTitle(summary: Pick<TemplateSummary, 'name'> & { display_name?: string | null | undefined }): string {
  if (summary.display_name != null && summary.display_name !== '') return summary.display_name;
  const words = summary.name.replace(/[_-]+/g, ' ').trim();
  return words === '' ? summary.name : words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * Meta's language code (`en_US`, `pt_BR`, `ja`) as the language's name in the agent's locale ("English (United
 * States)", "英語 (アメリカ合衆国)"), by the browser's Intl.DisplayNames; the code itself where it has no name.
 */
export function languageName(locale: string, code: string): string {
  try {
    return new Intl.DisplayNames([locale], { type: 'language' }).of(code.replace('_', '-')) ?? code;
  } catch {
    return code;
  }
}

/**
 * The order the combobox offers templates in: those used last (most recent first), then those in the ticket's
 * language, then the agent's, then by name and language.
 */
export function orderTemplates(
  templates: PanelTemplate[],
  { recent, languages }: { recent: readonly string[]; languages: readonly string[] },
): PanelTemplate[] {
  const rank = (template: PanelTemplate) => {
    const used = recent.indexOf(templateKey(template.summary));
    if (used >= 0) return used;
    const language = languages.indexOf(primaryLanguage(template.summary.language));
    return recent.length + (language >= 0 ? language : languages.length);
  };
  return [...templates].sort(
    (a, b) =>
      rank(a) - rank(b) || a.summary.name.localeCompare(b.summary.name) || a.summary.language.localeCompare(b.summary.language),
  );
}

/** One template in one language, as the list of recent templates remembers it. */
export function templateKey(summary: Pick<TemplateSummary, 'name' | 'language'>): string {
  return `${summary.name}:${summary.language}`;
}

/** Whether the template matches what the agent typed: in its name, its title, its body, its language or category. */
export function matchesSearch(i18n: I18n, template: PanelTemplate, search: string): boolean {
  const needle = search.trim().toLowerCase();
  if (needle === '') return true;
  const { summary, bodyText } = template;
  return [
    summary.name,
    templateTitle(summary),
    bodyText,
    languageName(i18n.locale, summary.language),
    categoryName(i18n, summary.category),
  ].some((haystack) => haystack.toLowerCase().includes(needle));
}
