import { Button } from '@zendeskgarden/react-buttons';
import { SM } from '@zendeskgarden/react-typography';
import { useI18n } from '../i18n/I18nProvider.js';
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
  return (
    <ul aria-label={i18n.t('templates.heading')} style={{ listStyle: 'none', margin: 0, padding: 0 }}>
      {templates.map((template) => (
        <li key={`${template.summary.name}:${template.summary.language}`} style={{ marginBottom: 4 }}>
          <Button
            isBasic
            isStretched
            onClick={() => onChoose(template)}
            style={{ justifyContent: 'flex-start', height: 'auto', textAlign: 'left' }}
          >
            <span>
              <span data-testid="template-name">{template.summary.name}</span>
              <SM tag="span" style={{ display: 'block' }}>
                {i18n.t('templates.statusLine', {
                  category: categoryName(i18n, template.summary.category),
                  language: template.summary.language,
                })}
              </SM>
            </span>
          </Button>
        </li>
      ))}
    </ul>
  );
}
