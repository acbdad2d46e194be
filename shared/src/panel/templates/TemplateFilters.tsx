import { useI18n } from '../i18n/I18nProvider.js';
import { useUiKit } from '../ui/UiKitProvider.js';
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
  const { Field, TextInput, Select } = useUiKit();
  const all = { value: '', label: t('templates.all') };
  return (
    <div style={{ display: 'grid', gap: 8, marginBottom: 8 }}>
      <Field label={t('templates.search')} hint={t('templates.searchHint')}>
        <TextInput type="search" value={filter.search} onChange={(search) => onChange({ ...filter, search })} />
      </Field>
      <div style={{ display: 'grid', gap: 8, gridTemplateColumns: '1fr 1fr' }}>
        <Field label={t('templates.category')}>
          <Select
            value={filter.category ?? ''}
            options={[all, ...categories.map((category) => ({ value: category, label: categoryName(i18n, category) }))]}
            onChange={(category) => onChange({ ...filter, category: category === '' ? null : category })}
          />
        </Field>
        <Field label={t('templates.language')}>
          <Select
            value={filter.language ?? ''}
            options={[all, ...languages.map((language) => ({ value: language, label: language }))]}
            onChange={(language) => onChange({ ...filter, language: language === '' ? null : language })}
          />
        </Field>
      </div>
    </div>
  );
}
