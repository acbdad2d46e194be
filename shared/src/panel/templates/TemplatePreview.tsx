import type { TemplatePreview as Preview, TemplatePreviewHeader } from '../../templates/index.js';
import { useI18n } from '../i18n/I18nProvider.js';
import { useUiKit } from '../ui/UiKitProvider.js';
import { WhatsAppText } from './WhatsAppText.js';

const bubble = {
  background: '#d9fdd3',
  borderRadius: 8,
  padding: 8,
  maxWidth: '100%',
  overflowWrap: 'anywhere',
} as const;

/** The message as the customer will see it: header, body, footer and buttons, formatting marks applied. */
export function TemplatePreview({ preview }: { preview: Preview }) {
  const { t } = useI18n();
  const { Text } = useUiKit();
  return (
    <figure aria-label={t('templates.preview')} data-testid="template-preview" style={{ margin: 0 }}>
      <div style={bubble}>
        {preview.header !== undefined && <PreviewHeader header={preview.header} />}
        <div data-testid="preview-body">
          <WhatsAppText text={preview.body} />
        </div>
        {preview.footer !== undefined && (
          <Text style={{ color: '#667781', marginTop: 4 }} data-testid="preview-footer">
            {preview.footer}
          </Text>
        )}
      </div>
      {preview.buttons.length > 0 && (
        <ul style={{ listStyle: 'none', margin: '4px 0 0', padding: 0 }} data-testid="preview-buttons">
          {preview.buttons.map((button, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: buttons are listed in Meta's fixed order.
            <li key={index} style={{ ...bubble, background: '#fff', textAlign: 'center', marginTop: 2, color: '#027eb5' }}>
              {button.text}
              {button.url !== undefined && <Text>{button.url}</Text>}
              {button.code !== undefined && <Text>{t('preview.copyCode', { code: button.code })}</Text>}
            </li>
          ))}
        </ul>
      )}
    </figure>
  );
}

function PreviewHeader({ header }: { header: TemplatePreviewHeader }) {
  const { t } = useI18n();
  const { Text } = useUiKit();
  if (header.kind === 'text') {
    return (
      <strong data-testid="preview-header" style={{ display: 'block', marginBottom: 4 }}>
        <WhatsAppText text={header.text} />
      </strong>
    );
  }
  if (header.kind === 'location') return <Text data-testid="preview-header">[{t('preview.location')}]</Text>;
  return (
    <Text data-testid="preview-header" style={{ overflowWrap: 'anywhere' }}>
      [{t(`preview.${header.kind}`)}] {header.url ?? t('preview.noFile')}
    </Text>
  );
}
