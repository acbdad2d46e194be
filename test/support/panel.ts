import type { Frame, Locator } from 'playwright-core';

/** The options of the panel's template combobox whose template is `name` (in `language`, when given). */
export function templateOptions(panel: Frame, name: string, language?: string): Locator {
  const selector = language === undefined ? `[data-template^="${name}:"]` : `[data-template="${name}:${language}"]`;
  return panel.getByRole('option').and(panel.locator(selector));
}

/**
 * Opens a template's form as an agent does: types its name, as the panel shows it (words, not Meta's snake_case),
 * into the template search, then clicks the option. The first matching option when no language is given.
 */
export async function chooseTemplate(panel: Frame, name: string, language?: string): Promise<void> {
  await panel.getByRole('combobox', { name: /Search templates|テンプレートを検索/ }).fill(name.replaceAll('_', ' '));
  await templateOptions(panel, name, language).first().click();
}
