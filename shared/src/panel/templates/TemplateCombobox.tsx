import { type KeyboardEvent, useId, useMemo, useState } from 'react';
import { useI18n } from '../i18n/I18nProvider.js';
import { useUiKit } from '../ui/UiKitProvider.js';
import { categoryName, languageName, matchesSearch, type PanelTemplate, templateKey, templateTitle } from './model.js';

interface TemplateComboboxProps {
  /** In the order to offer them (recent first, then the ticket's language): see `orderTemplates`. */
  templates: PanelTemplate[];
  onChoose: (template: PanelTemplate) => void;
}

/** How many options show at once before the list scrolls: the panel stays short in a 320 px sidebar. */
const visibleOptions = 5;

/**
 * A search box offering the templates that match (WAI-ARIA combobox with a list box, the list always shown): type to
 * narrow by name, text, language or category, arrows and Enter or a click to choose. Replaces a flat list of every
 * template, which made the panel thousands of pixels tall.
 */
export function TemplateCombobox({ templates, onChoose }: TemplateComboboxProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const { Field, TextInput, Text } = useUiKit();
  const listId = useId();
  const optionId = useId();
  const [search, setSearch] = useState('');
  const [active, setActive] = useState(0);
  const shown = useMemo(() => templates.filter((template) => matchesSearch(i18n, template, search)), [templates, i18n, search]);
  const activeIndex = Math.min(active, shown.length - 1);

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      const step = event.key === 'ArrowDown' ? 1 : -1;
      setActive(Math.max(0, Math.min(shown.length - 1, activeIndex + step)));
    } else if (event.key === 'Enter') {
      event.preventDefault();
      const chosen = shown[activeIndex];
      if (chosen !== undefined) onChoose(chosen);
    }
  };

  return (
    <div style={{ marginBottom: 8 }}>
      {/* The hint is the box's placeholder: one line less above the list. */}
      <Field label={t('templates.search')}>
        <TextInput
          type="search"
          placeholder={t('templates.searchHint')}
          role="combobox"
          aria-expanded={shown.length > 0}
          aria-controls={listId}
          aria-autocomplete="list"
          aria-activedescendant={shown.length > 0 ? `${optionId}-${activeIndex}` : undefined}
          value={search}
          onChange={(value) => {
            setSearch(value);
            setActive(0);
          }}
          onKeyDown={onKeyDown}
        />
      </Field>
      {shown.length === 0 ? (
        <Text>{t('templates.noMatch')}</Text>
      ) : (
        <div
          id={listId}
          role="listbox"
          aria-label={t('templates.heading')}
          style={{
            margin: '4px 0 0',
            maxHeight: `${visibleOptions * 3}em`,
            overflowY: 'auto',
            border: '1px solid #d8dcde',
            borderRadius: 4,
          }}
        >
          {shown.map((template, index) => (
            // biome-ignore lint/a11y/useKeyWithClickEvents: the combobox's input takes the keys (arrows, Enter), as WAI-ARIA's pattern has it.
            <div
              key={templateKey(template.summary)}
              // Reached through the combobox (aria-activedescendant), never by Tab: the input keeps the focus.
              tabIndex={-1}
              id={`${optionId}-${index}`}
              role="option"
              aria-selected={index === activeIndex}
              data-testid="template-option"
              data-template={templateKey(template.summary)}
              onClick={() => onChoose(template)}
              onMouseEnter={() => setActive(index)}
              style={{
                cursor: 'pointer',
                padding: '4px 8px',
                background: index === activeIndex ? '#edf7ff' : undefined,
                borderTop: index === 0 ? undefined : '1px solid #e9ebed',
              }}
            >
              <span data-testid="template-name" style={{ display: 'block' }}>
                {templateTitle(template.summary)}
              </span>
              <Text as="span" style={{ display: 'block' }}>
                {t('templates.statusLine', {
                  category: categoryName(i18n, template.summary.category),
                  language: languageName(i18n.locale, template.summary.language),
                })}
              </Text>
            </div>
          ))}
        </div>
      )}
    </div>
  );
}
