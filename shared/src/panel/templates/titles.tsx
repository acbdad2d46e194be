import { createContext, type ReactNode, useCallback, useContext, useMemo } from 'react';
import type { TemplateSummary } from '../../contract/templates.js';
import { templateTitle } from './model.js';

/*
 * The templates' titles for the parts of the panel that name a sent template (the history, the conversation): a
 * message names its template by Meta's name and language only, so the title (the display name an admin gave it, or
 * the name as words) comes from the template list the panel already loaded.
 */

const TemplateTitles = createContext<ReadonlyMap<string, string>>(new Map());

export function TemplateTitlesProvider({
  templates,
  children,
}: {
  templates: readonly Pick<TemplateSummary, 'name' | 'language' | 'display_name'>[];
  children: ReactNode;
}) {
  const titles = useMemo(
    () => new Map(templates.map((template) => [`${template.name}:${template.language}`, templateTitle(template)])),
    [templates],
  );
  return <TemplateTitles.Provider value={titles}>{children}</TemplateTitles.Provider>;
}

/** A sent template's title: its display name where the list has one, else its name as words. */
export function useTemplateTitle(): (template: { name: string; language: string }) => string {
  const titles = useContext(TemplateTitles);
  return useCallback((template) => titles.get(`${template.name}:${template.language}`) ?? templateTitle(template), [titles]);
}
