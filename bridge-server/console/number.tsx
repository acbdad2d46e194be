import {
  type BusinessProfile,
  type BusinessProfileUpdateRequest,
  businessProfileUpdateRequest,
  businessVerticals,
  type Deployment,
  type WhatsAppLink,
} from '@wabridge/shared';
import { bridgeErrorOf } from '@wabridge/shared/client';
import { Button } from '@zendeskgarden/react-buttons';
import { Field, Input, Select, Textarea } from '@zendeskgarden/react-forms';
import { Alert, Well } from '@zendeskgarden/react-notifications';
import { Tag } from '@zendeskgarden/react-tags';
import { LG, MD } from '@zendeskgarden/react-typography';
import { useEffect, useState } from 'react';
import type * as z from 'zod';
import { bridge, errorText } from './api.js';
import { translatedOr, WithDeployment } from './deployment-picker.js';
import { type ConsoleI18n, type Key, useT } from './i18n.js';
import { ProfilePicture } from './profile-picture.js';

type FormName = 'about' | 'address' | 'description' | 'email' | 'vertical' | 'website0' | 'website1';
type Form = Record<FormName, string>;

function formOf(profile: BusinessProfile): Form {
  return {
    about: profile.about ?? '',
    address: profile.address ?? '',
    description: profile.description ?? '',
    email: profile.email ?? '',
    vertical: profile.vertical ?? '',
    website0: profile.websites[0] ?? '',
    website1: profile.websites[1] ?? '',
  };
}

/** Only what the admin changed goes to Meta (a field left as it was is not sent, so it cannot be overwritten). */
function changesOf(before: Form, after: Form): Record<string, unknown> {
  const changes: Record<string, unknown> = {};
  for (const name of ['about', 'address', 'description', 'email', 'vertical'] as const) {
    if (after[name] !== before[name]) changes[name] = after[name].trim();
  }
  if (after.website0 !== before.website0 || after.website1 !== before.website1) {
    changes.websites = [after.website0, after.website1].map((site) => site.trim()).filter((site) => site !== '');
  }
  return changes;
}

/** The form field a problem's path names (`websites.1`, `body.websites[1]`, `about`). */
function fieldOf(path: string): FormName | undefined {
  const plain = path.replace(/^body\.?/, '').replace(/\[(\d+)\]/g, '.$1');
  if (plain.startsWith('websites')) return plain === 'websites.1' ? 'website1' : 'website0';
  return (['about', 'address', 'description', 'email', 'vertical'] as const).find((name) => name === plain);
}

/** A schema problem in the console's language: the limits Meta documents, named per field. */
function issueText(i18n: ConsoleI18n, issue: z.core.$ZodIssue): string {
  if (issue.code === 'too_big' && issue.origin === 'string') return i18n.t('profile.tooLong', { max: Number(issue.maximum) });
  if (issue.code === 'too_small') return i18n.t('profile.empty');
  if (issue.code === 'invalid_format' && issue.format === 'email') return i18n.t('profile.invalidEmail');
  if (issue.code === 'invalid_format' && issue.format === 'url') return i18n.t('profile.invalidUrl');
  return i18n.t('profile.invalid');
}

function ProfileForm({ deployment }: { deployment: Deployment }) {
  const i18n = useT();
  const [profile, setProfile] = useState<BusinessProfile>();
  const [form, setForm] = useState<Form>();
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<FormName, string>>>({});
  // What happened, kept as such: its words are chosen when drawn, so a change of language changes them too.
  const [message, setMessage] = useState<{ tone: 'success' | 'info'; key: Key } | { tone: 'error'; thrown: unknown }>();
  const params = { deployment_id: deployment.id };
  const shown = (answer: BusinessProfile) => {
    setProfile(answer);
    setForm(formOf(answer));
  };
  useEffect(() => {
    bridge
      .call('getBusinessProfile', { params: { deployment_id: deployment.id } })
      .then(shown, (thrown) => setMessage({ tone: 'error', thrown }));
  }, [deployment.id]);
  if (profile === undefined || form === undefined) {
    return message?.tone === 'error' ? (
      <Alert type="error">{errorText(i18n.locale, message.thrown)}</Alert>
    ) : (
      <p>{i18n.t('common.loading')}</p>
    );
  }
  const field = (name: FormName, label: Key | string, input: 'input' | 'textarea' = 'input', type = 'text') => (
    <Field key={name}>
      <Field.Label>{label}</Field.Label>
      {input === 'textarea' ? (
        <Textarea
          name={name}
          value={form[name]}
          minRows={2}
          validation={fieldErrors[name] === undefined ? undefined : 'error'}
          onChange={(event) => setForm({ ...form, [name]: event.target.value })}
        />
      ) : (
        <Input
          name={name}
          type={type}
          value={form[name]}
          validation={fieldErrors[name] === undefined ? undefined : 'error'}
          onChange={(event) => setForm({ ...form, [name]: event.target.value })}
        />
      )}
      {fieldErrors[name] !== undefined && <Field.Message validation="error">{fieldErrors[name]}</Field.Message>}
    </Field>
  );
  const nameStatus = profile.display_name.name_status;
  return (
    <form
      aria-label={i18n.t('profile.heading')}
      onSubmit={async (event) => {
        event.preventDefault();
        setMessage(undefined);
        const changes = changesOf(formOf(profile), form);
        if (Object.keys(changes).length === 0) {
          setFieldErrors({});
          setMessage({ tone: 'info', key: 'profile.nothingChanged' });
          return;
        }
        // Checked with the bridge's own schema first: Meta's limits are named on their fields before anything is sent.
        const checked = businessProfileUpdateRequest.safeParse(changes);
        if (!checked.success) {
          const errors: Partial<Record<FormName, string>> = {};
          for (const issue of checked.error.issues) {
            const name = fieldOf(issue.path.join('.'));
            if (name !== undefined) errors[name] ??= issueText(i18n, issue);
          }
          setFieldErrors(errors);
          return;
        }
        setFieldErrors({});
        try {
          shown(await bridge.call('updateBusinessProfile', { params, body: checked.data as BusinessProfileUpdateRequest }));
          setMessage({ tone: 'success', key: 'profile.saved' });
        } catch (thrown) {
          const problem = bridgeErrorOf(thrown);
          if (problem.kind === 'problem' && problem.errors !== undefined) {
            const errors: Partial<Record<FormName, string>> = {};
            for (const issue of problem.errors) {
              const name = fieldOf(issue.path);
              if (name !== undefined) errors[name] ??= issue.message;
            }
            setFieldErrors(errors);
          }
          setMessage({ tone: 'error', thrown });
        }
      }}
    >
      <LG tag="h2">{i18n.t('profile.heading')}</LG>
      <MD style={{ marginBottom: 8 }}>{i18n.t('profile.hint')}</MD>
      <table className="data" style={{ marginBottom: 12 }}>
        <tbody>
          <tr>
            <th>{i18n.t('profile.displayName')}</th>
            <td data-testid="display-name">{profile.display_name.verified_name}</td>
          </tr>
          <tr>
            <th>{i18n.t('profile.nameStatus')}</th>
            <td>
              <Tag
                hue={nameStatus === 'APPROVED' ? 'green' : nameStatus === 'DECLINED' ? 'red' : 'yellow'}
                data-testid="name-status"
              >
                {nameStatus === null ? '—' : translatedOr(i18n, `profile.nameStatus_${nameStatus}`, nameStatus)}
              </Tag>
            </td>
          </tr>
          <tr>
            <th>{i18n.t('profile.picture')}</th>
            <td>
              <ProfilePicture deployment={deployment} profile={profile} onChanged={(changed) => setProfile(changed)} />
            </td>
          </tr>
        </tbody>
      </table>
      <div style={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(320px, 1fr))', gap: 12 }}>
        {field('about', i18n.t('profile.about'))}
        {field('email', i18n.t('profile.email'), 'input', 'email')}
        {field('address', i18n.t('profile.address'), 'textarea')}
        {field('description', i18n.t('profile.description'), 'textarea')}
        <Field>
          <Field.Label>{i18n.t('profile.vertical')}</Field.Label>
          <Select name="vertical" value={form.vertical} onChange={(event) => setForm({ ...form, vertical: event.target.value })}>
            {form.vertical === '' && <option value="">{i18n.t('profile.noVertical')}</option>}
            {businessVerticals.map((vertical) => (
              <option key={vertical} value={vertical}>
                {i18n.t(`profile.vertical_${vertical}`)}
              </option>
            ))}
          </Select>
        </Field>
        {field('website0', i18n.t('profile.website', { number: 1 }), 'input', 'url')}
        {field('website1', i18n.t('profile.website', { number: 2 }), 'input', 'url')}
      </div>
      <Button type="submit" isPrimary style={{ marginTop: 12 }}>
        {i18n.t('profile.save')}
      </Button>
      {message !== undefined && (
        <Alert type={message.tone} role={message.tone === 'error' ? 'alert' : 'status'} style={{ marginTop: 8 }}>
          {message.tone === 'error' ? errorText(i18n.locale, message.thrown) : i18n.t(message.key)}
        </Alert>
      )}
    </form>
  );
}

function WhatsAppLinkSection({ deployment }: { deployment: Deployment }) {
  const i18n = useT();
  const [text, setText] = useState('');
  const [link, setLink] = useState<WhatsAppLink>();
  const [error, setError] = useState<string>();
  const make = async (prefilled: string) => {
    setError(undefined);
    try {
      const query = prefilled.trim() === '' ? {} : { text: prefilled.trim() };
      setLink(await bridge.call('getWhatsAppLink', { params: { deployment_id: deployment.id }, query }));
    } catch (thrown) {
      setError(errorText(i18n.locale, thrown));
    }
  };
  useEffect(() => {
    void make('');
  }, [deployment.id]);
  const qrUrl = link === undefined ? undefined : `data:image/svg+xml;charset=utf-8,${encodeURIComponent(link.qr_svg)}`;
  return (
    <Well style={{ marginTop: 24 }}>
      <LG tag="h2">{i18n.t('link.heading')}</LG>
      <MD>{i18n.t('link.hint')}</MD>
      <form
        style={{ display: 'flex', gap: 8, alignItems: 'flex-end', marginTop: 8, flexWrap: 'wrap' }}
        onSubmit={(event) => {
          event.preventDefault();
          void make(text);
        }}
      >
        <Field style={{ flex: 1, minWidth: 280 }}>
          <Field.Label>{i18n.t('link.text')}</Field.Label>
          <Input name="prefilled_text" value={text} maxLength={1000} onChange={(event) => setText(event.target.value)} />
        </Field>
        <Button type="submit">{i18n.t('link.make')}</Button>
      </form>
      {error !== undefined && (
        <Alert type="error" role="alert" style={{ marginTop: 8 }}>
          {error}
        </Alert>
      )}
      {link !== undefined && qrUrl !== undefined && (
        <div style={{ display: 'flex', gap: 24, marginTop: 12, alignItems: 'flex-start', flexWrap: 'wrap' }}>
          <img src={qrUrl} alt={i18n.t('link.qr', { url: link.url })} width={200} height={200} data-testid="qr-code" />
          <div>
            <MD isBold>{i18n.t('link.url')}</MD>
            <a href={link.url} target="_blank" rel="noreferrer" data-testid="wa-link">
              {link.url}
            </a>
            <div style={{ marginTop: 8 }}>
              <a href={qrUrl} download={`whatsapp-${link.display_phone_number.replace(/\D/g, '')}.svg`}>
                {i18n.t('link.download')}
              </a>
            </div>
          </div>
        </div>
      )}
    </Well>
  );
}

export function NumberPage({ accountId }: { accountId: string }) {
  return (
    <WithDeployment accountId={accountId}>
      {(deployment) => (
        <div key={deployment.id}>
          <ProfileForm deployment={deployment} />
          <WhatsAppLinkSection deployment={deployment} />
        </div>
      )}
    </WithDeployment>
  );
}
