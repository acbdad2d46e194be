import { Field, Input, Select } from '@zendeskgarden/react-forms';
import { useI18n } from '../i18n/I18nProvider.js';
import { categoryName, type TemplateFilter } from './model.js';

interface TemplateFiltersProps {
  filter: TemplateFilter;
  categories: string[];
  languages: string[];
  onChange: (filter: TemplateFilter) => void;
}

/** Search, category and language: native selects, light and keyboard-friendly in a narrow sidebar. */
export function TemplateFilters({ filter, categories, languages, onChange }: TemplateFiltersProps) {
  const i18n = useI18n();
  const { t } = i18n;
  return (
    <div style={{ display: 'grid', gap: 8, marginBottom: 8 }}>
      <Field>
        <Field.Label>{t('templates.search')}</Field.Label>
        <Field.Hint>{t('templates.searchHint')}</Field.Hint>
        <Input type="search" value={filter.search} onChange={(event) => onChange({ ...filter, search: event.target.value })} />
      </Field>
      <div style={{ display: 'grid', gap: 8, gridTemplateColumns: '1fr 1fr' }}>
        <Field>
          <Field.Label>{t('templates.category')}</Field.Label>
          <Select
            value={filter.category ?? ''}
            onChange={(event) => onChange({ ...filter, category: event.target.value === '' ? null : event.target.value })}
          >
            <option value="">{t('templates.all')}</option>
            {categories.map((category) => (
              <option key={category} value={category}>
                {categoryName(i18n, category)}
              </option>
            ))}
          </Select>
        </Field>
        <Field>
          <Field.Label>{t('templates.language')}</Field.Label>
          <Select
            value={filter.language ?? ''}
            onChange={(event) => onChange({ ...filter, language: event.target.value === '' ? null : event.target.value })}
          >
            <option value="">{t('templates.all')}</option>
            {languages.map((language) => (
              <option key={language} value={language}>
                {language}
              </option>
            ))}
          </Select>
        </Field>
      </div>
    </div>
  );
}
