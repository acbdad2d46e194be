import type { ContactStatus } from '../../contract/contacts.js';
import type { Resource } from '../data/useResource.js';
import { useI18n } from '../i18n/I18nProvider.js';
import { useUiKit } from '../ui/UiKitProvider.js';
import { numberBlock, numberBlockedText } from './model.js';

/**
 * Above everything else, when the deployment's number cannot send (Meta restricted or disabled its account, as the
 * stored webhooks say): the agent learns it before writing anything, and the send buttons below say why they are off.
 */
export function NumberBanner({ contact }: { contact: Resource<ContactStatus> | null }) {
  const i18n = useI18n();
  const { Notice } = useUiKit();
  const blocked = contact?.state === 'ready' ? numberBlock(contact.data.number) : null;
  if (blocked === null) return null;
  return (
    <Notice tone="error" role="alert" data-testid="number-cannot-send" style={{ marginBottom: 8 }}>
      <Notice.Paragraph>
        <strong>{i18n.t('number.cannotSendTitle')}</strong>
      </Notice.Paragraph>
      <Notice.Paragraph>{numberBlockedText(i18n, blocked)}</Notice.Paragraph>
      <Notice.Paragraph>{i18n.t('number.whatToDo')}</Notice.Paragraph>
    </Notice>
  );
}
