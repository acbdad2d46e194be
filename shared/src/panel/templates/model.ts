import type { ListedParameter, TemplateSummary } from '../../contract/templates.js';
import { type MessageTemplate, messageTemplateSchema, renderTemplatePreview } from '../../templates/index.js';
import type { PanelLocale } from '../host.js';
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

export interface TemplateFilter {
  search: string;
  category: string | null;
  language: string | null;
}

/** The templates that match the filter, the agent's language first, then by name and language. */
export function filterTemplates(templates: PanelTemplate[], filter: TemplateFilter, locale: PanelLocale): PanelTemplate[] {
  const search = filter.search.trim().toLowerCase();
  return templates
    .filter(({ summary, bodyText }) => {
      if (filter.category !== null && summary.category !== filter.category) return false;
      if (filter.language !== null && summary.language !== filter.language) return false;
      return search === '' || summary.name.toLowerCase().includes(search) || bodyText.toLowerCase().includes(search);
    })
    .sort((a, b) => {
      const aFirst = primaryLanguage(a.summary.language) === locale ? 0 : 1;
      const bFirst = primaryLanguage(b.summary.language) === locale ? 0 : 1;
      return (
        aFirst - bFirst || a.summary.name.localeCompare(b.summary.name) || a.summary.language.localeCompare(b.summary.language)
      );
    });
}

/** The distinct values of a field across templates, sorted: the options of a filter. */
export function distinct(templates: PanelTemplate[], field: 'category' | 'language'): string[] {
  return [...new Set(templates.map(({ summary }) => summary[field]))].sort();
}

/** Meta's category in the agent's language; a category Meta adds later shows as Meta names it. */
export function categoryName(i18n: I18n, category: string): string {
  return i18n.tIfKnown(`categories.${category}`) ?? category;
}
