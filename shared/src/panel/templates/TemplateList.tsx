import { useI18n } from '../i18n/I18nProvider.js';
import { useUiKit } from '../ui/UiKitProvider.js';
import { categoryName, type PanelTemplate } from './model.js';

/** The templates to choose from, each a button that opens its form. */
export function TemplateList({
  templates,
  onChoose,
}: {
  templates: PanelTemplate[];
  onChoose: (template: PanelTemplate) => void;
}) {
  const i18n = useI18n();
  const { Button, Text } = useUiKit();
  return (
    <ul aria-label={i18n.t('templates.heading')} style={{ listStyle: 'none', margin: 0, padding: 0 }}>
      {templates.map((template) => (
        <li key={`${template.summary.name}:${template.summary.language}`} style={{ marginBottom: 4 }}>
          <Button
            variant="basic"
            stretched
            onClick={() => onChoose(template)}
            style={{ justifyContent: 'flex-start', height: 'auto', textAlign: 'left' }}
          >
            <span>
              <span data-testid="template-name">{template.summary.name}</span>
              <Text as="span" style={{ display: 'block' }}>
                {i18n.t('templates.statusLine', {
                  category: categoryName(i18n, template.summary.category),
                  language: template.summary.language,
                })}
              </Text>
            </span>
          </Button>
        </li>
      ))}
    </ul>
  );
}
