import { type FormEvent, useId, useMemo, useState } from 'react';
import type { NumberSending } from '../../contract/contacts.js';
import type { Message, SendMessageRequest } from '../../contract/messages.js';
import type { Wallet } from '../../contract/wallet.js';
import { renderTemplatePreview, type TemplateValues, validateTemplateValues } from '../../templates/index.js';
import { AttachmentPicker } from '../attach/AttachmentPicker.js';
import { useFileUpload } from '../attach/useFileUpload.js';
import { BlockedReason } from '../components/BlockedReason.js';
import { SendFeedback } from '../components/SendFeedback.js';
import type { RequesterPhone } from '../data/phone.js';
import { useBridgeApi } from '../data/useBridgeApi.js';
import { useIdempotentSend } from '../data/useIdempotentSend.js';
import { type Resource, useResource } from '../data/useResource.js';
import type { TicketContext } from '../host.js';
import { describeError } from '../i18n/describeError.js';
import { useI18n } from '../i18n/I18nProvider.js';
import type { OptinContext } from '../optin/model.js';
import { QuoteLine } from '../points/QuoteLine.js';
import { useUiKit } from '../ui/UiKitProvider.js';
import { prefilledValues, templateFields } from './fields.js';
import { categoryName, languageName, type PanelTemplate, templateTitle } from './model.js';
import { ParameterField, problemText } from './ParameterField.js';
import { templateBlockedReason } from './sendability.js';
import { TemplatePreview } from './TemplatePreview.js';

interface TemplateFormProps {
  ticket: TicketContext;
  phone: RequesterPhone;
  template: PanelTemplate;
  /** The customer's consent, or null while it is not known. */
  optin: OptinContext | null;
  /** The account's points, or null where the panel does not read them: a send costing more is disabled. */
  wallet?: Resource<Wallet> | null;
  /** The deployment's number as the contact's status reads it: one that cannot send disables the send. */
  number?: NumberSending | null;
  onBack: () => void;
  onSent: (message: Message) => void;
}

/** The values of one template, validated as they are typed, its live preview, and the send button. */
export function TemplateForm({
  ticket,
  phone,
  template,
  optin,
  wallet = null,
  number = null,
  onBack,
  onSent,
}: TemplateFormProps) {
  const i18n = useI18n();
  const api = useBridgeApi();
  const { t } = i18n;
  const { Button, Heading, Notice, Text } = useUiKit();
  const { summary, parameters } = template;
  const fields = useMemo(() => templateFields(summary), [summary]);
  // What the ticket knows is filled in once, when the form opens; the agent may change it.
  const [values, setValues] = useState<Record<string, string>>(() => prefilledValues(fields, ticket));
  const [touched, setTouched] = useState<ReadonlySet<string>>(new Set());
  const { state, send } = useIdempotentSend();
  const reasonId = useId();
  const to = phone.kind === 'ok' ? phone.e164 : null;
  // What this template costs this customer now; fetched again when the template or the customer changes.
  const quoteResource = useResource(to === null ? null : `quote:${to}:${summary.name}:${summary.language}`, () =>
    api.quote({ to: to ?? '', template: summary.name, language: summary.language }),
  );
  const quote = to === null ? null : quoteResource;
  // A media header's file: a link typed in its field, or a file the agent uploads (sent as the upload, `{upload_id}`).
  const mediaParameter = parameters.find((parameter) => parameter.kind === 'media');
  const headerFile = useFileUpload(api, mediaParameter !== undefined, mediaParameter?.media_kind ?? undefined);
  const mediaKey = headerFile.file === null ? undefined : mediaParameter?.key;

  // Empty fields count as not given, so a required one reads as missing rather than as an empty value. A chosen
  // header file stands for the header's value, so its link field is neither sent nor checked.
  const given = useMemo(
    () => Object.fromEntries(Object.entries(values).filter(([key, value]) => value !== '' && key !== mediaKey)),
    [values, mediaKey],
  );
  const problems = useMemo(
    () =>
      template.template === null
        ? []
        : validateTemplateValues(template.template, given).filter((problem) => problem.key !== mediaKey),
    [template, given, mediaKey],
  );
  const preview = useMemo(() => {
    if (template.template === null) return null;
    const rendered = renderTemplatePreview(template.template, given as TemplateValues);
    const name = headerFile.check?.ok === true ? headerFile.file?.name : undefined;
    return name === undefined || rendered.header === undefined
      ? rendered
      : { ...rendered, header: { ...rendered.header, url: name } };
  }, [template, given, headerFile.file, headerFile.check]);
  const blocked =
    headerFile.check?.ok === false
      ? t('attach.chooseAnother')
      : templateBlockedReason(i18n, { phone, template, problems, optin, quote, wallet, number });
  const sending = state.phase === 'sending' || headerFile.uploading;
  const reason = headerFile.uploading ? t('attach.uploading') : state.phase === 'sending' ? t('templates.sending') : blocked;
  const wholeTemplateProblems = problems.filter((problem) => !parameters.some((parameter) => parameter.key === problem.key));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (reason !== null || phone.kind !== 'ok') return;
    let sent: NonNullable<SendMessageRequest['template']>['parameters'] = given;
    if (mediaKey !== undefined) {
      const upload = await headerFile.upload();
      if (upload === undefined) return;
      sent = { ...given, [mediaKey]: { upload_id: upload.id } };
    }
    const message = await send({
      to: phone.e164,
      template: { name: summary.name, language: summary.language, parameters: sent },
      ticket: { helpdesk: ticket.helpdesk, id: ticket.ticketId },
    });
    if (message !== undefined) onSent(message);
  };

  return (
    <form onSubmit={submit} aria-label={t('templates.selected')}>
      <Button size="small" variant="basic" onClick={onBack}>
        {t('templates.back')}
      </Button>
      <Heading level={3} style={{ marginTop: 8 }}>
        {templateTitle(summary)}
      </Heading>
      <Text>
        {t('templates.statusLine', {
          category: categoryName(i18n, summary.category),
          language: languageName(i18n.locale, summary.language),
        })}
      </Text>
      <Heading level={4} style={{ marginTop: 8 }}>
        {t('templates.values')}
      </Heading>
      {parameters.length === 0 && <Text>{t('templates.noValues')}</Text>}
      {fields.map(({ parameter, keys }) =>
        parameter.kind === 'media' ? (
          <div key={parameter.key} data-testid="header-media">
            {mediaKey === undefined && (
              <ParameterField
                parameter={parameter}
                value={values[parameter.key] ?? ''}
                problems={problems.filter((problem) => keys.includes(problem.key))}
                showProblems={touched.has(parameter.key)}
                onChange={(value) => {
                  setValues((previous) => ({ ...previous, [parameter.key]: value }));
                  setTouched((previous) => new Set(previous).add(parameter.key));
                }}
                onBlur={() => setTouched((previous) => new Set(previous).add(parameter.key))}
              />
            )}
            <AttachmentPicker
              token={headerFile.token}
              file={headerFile.file}
              onChange={headerFile.choose}
              disabled={sending}
              kind={parameter.media_kind ?? undefined}
              // "Or upload…" beside the link field; once a file stands for the header, the field is gone.
              label={t(mediaKey === undefined ? 'templates.headerFile' : 'templates.headerFileChosen', {
                mediaKind: t(`mediaKinds.${parameter.media_kind ?? 'document'}`),
              })}
            />
            {headerFile.error !== null && (
              <Notice tone="error" role="alert">
                <Notice.Paragraph>{describeError(i18n, headerFile.error)}</Notice.Paragraph>
              </Notice>
            )}
          </div>
        ) : (
          <ParameterField
            key={parameter.key}
            parameter={parameter}
            sharedBy={keys.length}
            value={values[parameter.key] ?? ''}
            problems={problems.filter((problem) => keys.includes(problem.key))}
            showProblems={touched.has(parameter.key)}
            onChange={(value) => {
              setValues((previous) => ({ ...previous, ...Object.fromEntries(keys.map((key) => [key, value])) }));
              setTouched((previous) => new Set(previous).add(parameter.key));
            }}
            onBlur={() => setTouched((previous) => new Set(previous).add(parameter.key))}
          />
        ),
      )}
      {wholeTemplateProblems.map((problem) => (
        <Notice tone="warning" key={`${problem.key}:${problem.code}`}>
          <Notice.Paragraph>{problemText(i18n, problem)}</Notice.Paragraph>
        </Notice>
      ))}
      <Heading level={4} style={{ marginTop: 8 }}>
        {t('templates.preview')}
      </Heading>
      {preview === null ? <Text>{t('templates.unusable')}</Text> : <TemplatePreview preview={preview} />}
      {quote !== null && <QuoteLine quote={quote} />}
      <Button
        type="submit"
        variant="primary"
        disabled={reason !== null}
        aria-describedby={reason === null ? undefined : reasonId}
        style={{ marginTop: 8 }}
      >
        {headerFile.uploading ? t('attach.uploading') : state.phase === 'sending' ? t('templates.sending') : t('templates.send')}
      </Button>
      <BlockedReason id={reasonId} reason={sending ? null : blocked} />
      <SendFeedback state={state} sentText={t('templates.sent')} />
    </form>
  );
}
