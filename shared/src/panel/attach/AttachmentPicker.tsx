import { type ChangeEvent, useEffect, useId, useMemo } from 'react';
import { type MediaKind, mediaKinds } from '../../contract/media.js';
import type { UploadToken } from '../../contract/routes/media-uploads.js';
import type { Resource } from '../data/useResource.js';
import { describeError } from '../i18n/describeError.js';
import { type I18n, useI18n } from '../i18n/I18nProvider.js';
import { useUiKit } from '../ui/UiKitProvider.js';
import { acceptedFiles, checkFile, type FileCheck, formatBytes, typeLabels } from './model.js';

interface AttachmentPickerProps {
  /** The upload token: its limits are what the picker shows and checks. */
  token: Resource<UploadToken>;
  file: File | null;
  onChange: (file: File | null) => void;
  disabled?: boolean;
  /** Only files of this kind, with only its limit shown (a template's media header); any kind WhatsApp takes otherwise. */
  kind?: MediaKind;
  /** The file input's label; "File to send" otherwise. */
  label?: string;
}

/**
 * Choosing a file to send: the limits first (before the agent looks for a file), then the chosen file's name and size,
 * a preview of an image, or why it cannot be sent. A refused file is never kept.
 */
export function AttachmentPicker({ token, file, onChange, disabled = false, kind, label }: AttachmentPickerProps) {
  const i18n = useI18n();
  const { t, locale } = i18n;
  const { Button, Notice, Text } = useUiKit();
  const inputId = useId();
  const limits = token.state === 'ready' ? token.data.limits : null;
  const check: FileCheck | null = file === null || limits === null ? null : checkFile(file, limits, kind);
  const preview = usePreviewUrl(file !== null && check?.ok === true && check.kind === 'image' ? file : null);

  const choose = (event: ChangeEvent<HTMLInputElement>) => onChange(event.target.files?.[0] ?? null);

  if (token.state === 'error') {
    return (
      <Notice tone="error" role="alert">
        <Notice.Paragraph>{describeError(i18n, token.error)}</Notice.Paragraph>
      </Notice>
    );
  }
  return (
    <div data-testid="attachment" style={{ marginBottom: 8 }}>
      {limits === null ? (
        <Text size="small">{t('attach.limitsLoading')}</Text>
      ) : (
        <ul data-testid="attach-limits" style={{ margin: '0 0 8px', paddingLeft: 16, fontSize: 12 }}>
          {(kind === undefined ? mediaKinds : [kind]).map((each) => (
            <li key={each}>
              {t('attach.limitLine', {
                kind: t(`attach.kind.${each}`),
                types: typeLabels(each),
                size: formatBytes(limits[each], locale),
              })}
            </li>
          ))}
        </ul>
      )}
      <label htmlFor={inputId} style={{ display: 'block', fontSize: 12, fontWeight: 600, marginBottom: 4 }}>
        {label ?? t('attach.choose')}
      </label>
      <input
        id={inputId}
        data-testid="attach-input"
        type="file"
        accept={acceptedFiles(kind)}
        disabled={disabled || limits === null}
        onChange={choose}
        style={{ maxWidth: '100%', fontSize: 12 }}
      />
      {file !== null && check !== null && (
        <div style={{ marginTop: 8 }}>
          {check.ok ? (
            <div data-testid="attach-chosen" style={{ display: 'flex', gap: 8, alignItems: 'center', minWidth: 0 }}>
              {preview !== null && (
                <img src={preview} alt="" style={{ width: 48, height: 48, objectFit: 'cover', borderRadius: 4, flex: 'none' }} />
              )}
              <Text size="small" style={{ overflowWrap: 'anywhere', minWidth: 0 }}>
                {t('attach.chosen', { name: file.name, size: formatBytes(file.size, locale) })}
              </Text>
            </div>
          ) : (
            <Notice tone="error" role="alert" data-testid="attach-refused">
              <Notice.Paragraph>{refusal(i18n, file, check, kind)}</Notice.Paragraph>
            </Notice>
          )}
          <Button size="small" variant="basic" onClick={() => onChange(null)} style={{ marginTop: 4 }}>
            {t('attach.remove')}
          </Button>
        </div>
      )}
    </div>
  );
}

function refusal({ t, locale }: I18n, file: File, check: Extract<FileCheck, { ok: false }>, kind?: MediaKind): string {
  switch (check.reason) {
    case 'type':
      return t('attach.refusedType', { name: file.name, types: typeLabels(kind) });
    case 'empty':
      return t('attach.refusedEmpty', { name: file.name });
    case 'size':
      return t('attach.refusedSize', {
        name: file.name,
        size: formatBytes(file.size, locale),
        kind: t(`attach.kind.${check.kind}`),
        limit: formatBytes(check.limitBytes, locale),
      });
  }
}

/** An object URL for an image's preview, revoked when the file changes or the picker goes. */
function usePreviewUrl(file: File | null): string | null {
  const url = useMemo(() => (file === null ? null : URL.createObjectURL(file)), [file]);
  useEffect(() => () => (url === null ? undefined : URL.revokeObjectURL(url)), [url]);
  return url;
}
