import type { Deployment, Installation } from '@wabridge/shared';
import { bridgeErrorOf } from '@wabridge/shared/client';
import { Button } from '@zendeskgarden/react-buttons';
import { Field, Input, Select } from '@zendeskgarden/react-forms';
import { Alert, Well } from '@zendeskgarden/react-notifications';
import { Tag } from '@zendeskgarden/react-tags';
import { LG, MD } from '@zendeskgarden/react-typography';
import { useCallback, useEffect, useState } from 'react';
import { bridge, errorText } from './api.js';
import { Health } from './health.js';
import { type Key, useT } from './i18n.js';

/** A webhook verify token for Meta's handshake: 128 random bits, made in the browser and shown once. */
function newVerifyToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `wbv_${[...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('')}`;
}

const fields = [
  ['display_name', 'deployments.displayName', 'text'],
  ['display_phone_number', 'deployments.phone', 'tel'],
  ['waba_id', 'deployments.wabaId', 'text'],
  ['phone_number_id', 'deployments.phoneNumberId', 'text'],
  ['access_token', 'deployments.accessToken', 'password'],
  ['app_secret', 'deployments.appSecret', 'password'],
  ['app_id', 'deployments.appId', 'text'],
] as const satisfies readonly (readonly [string, Key, string])[];
type FieldName = (typeof fields)[number][0];
const emptyForm: Record<FieldName, string> = {
  display_name: '',
  display_phone_number: '',
  waba_id: '',
  phone_number_id: '',
  access_token: '',
  app_secret: '',
  app_id: '',
};

function CreateDeployment({
  accountId,
  onCreated,
}: {
  accountId: string;
  onCreated: (deployment: Deployment, verifyToken: string) => void;
}) {
  const i18n = useT();
  const [values, setValues] = useState<Record<FieldName, string>>(emptyForm);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  return (
    <form
      aria-label={i18n.t('deployments.create')}
      onSubmit={async (event) => {
        event.preventDefault();
        setBusy(true);
        setError(undefined);
        setFieldErrors({});
        const verifyToken = newVerifyToken();
        try {
          // The app id is optional (a profile picture needs it; it can be given later on the profile page).
          const { app_id: appId, ...required } = values;
          const created = await bridge.call('createDeployment', {
            body: {
              account_id: accountId,
              ...required,
              ...(appId.trim() === '' ? {} : { app_id: appId.trim() }),
              verify_token: verifyToken,
            },
          });
          // The secrets leave the page once the bridge holds them (sealed); the form is ready for the next number.
          setValues(emptyForm);
          onCreated(created, verifyToken);
        } catch (thrown) {
          const problem = bridgeErrorOf(thrown);
          if (problem.kind === 'problem' && problem.errors !== undefined) {
            setFieldErrors(Object.fromEntries(problem.errors.map((issue) => [issue.path.replace(/^body\./, ''), issue.message])));
          }
          setError(errorText(i18n.locale, thrown));
        } finally {
          setBusy(false);
        }
      }}
    >
      <LG tag="h3">{i18n.t('deployments.create')}</LG>
      <div style={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(300px, 1fr))', gap: 12 }}>
        {fields.map(([name, label, type]) => (
          <Field key={name}>
            <Field.Label>{i18n.t(label)}</Field.Label>
            <Input
              name={name}
              type={type}
              autoComplete="off"
              value={values[name]}
              validation={fieldErrors[name] === undefined ? undefined : 'error'}
              onChange={(event) => setValues({ ...values, [name]: event.target.value })}
            />
            {fieldErrors[name] !== undefined && <Field.Message validation="error">{fieldErrors[name]}</Field.Message>}
          </Field>
        ))}
      </div>
      {error !== undefined && (
        <Alert type="error" role="alert" style={{ marginTop: 12 }}>
          {error}
        </Alert>
      )}
      <Button type="submit" isPrimary disabled={busy} style={{ marginTop: 12 }}>
        {i18n.t('deployments.submit')}
      </Button>
    </form>
  );
}

function Installations({ deployment }: { deployment: Deployment }) {
  const i18n = useT();
  const [rows, setRows] = useState<Installation[]>([]);
  const [helpdesk, setHelpdesk] = useState<'zendesk' | 'zoho'>('zendesk');
  const [instance, setInstance] = useState('');
  const [issued, setIssued] = useState<string>();
  const [error, setError] = useState<string>();
  const load = useCallback(async () => {
    try {
      setRows((await bridge.call('listInstallations', { params: { deployment_id: deployment.id }, query: { limit: 100 } })).data);
    } catch (thrown) {
      setError(errorText(i18n.locale, thrown));
    }
  }, [deployment.id, i18n.locale]);
  useEffect(() => {
    void load();
  }, [load]);
  return (
    <section>
      <MD isBold tag="h4" style={{ marginTop: 16 }}>
        {i18n.t('deployments.installations')}
      </MD>
      {rows.length === 0 ? (
        <MD>{i18n.t('deployments.noInstallations')}</MD>
      ) : (
        <table className="data">
          <tbody>
            {rows.map((row) => (
              <tr key={row.id}>
                <td>{row.helpdesk}</td>
                <td>{row.instance}</td>
                <td>
                  <code>{row.token_hint}…</code>
                </td>
                <td>
                  <Tag hue={row.revoked_at === null ? 'green' : 'grey'}>
                    {i18n.t(row.revoked_at === null ? 'deployments.active' : 'deployments.revoked')}
                  </Tag>
                </td>
                <td>
                  {row.revoked_at === null && (
                    <Button
                      size="small"
                      isDanger
                      onClick={async () => {
                        try {
                          await bridge.call('revokeInstallation', { params: { installation_id: row.id } });
                          await load();
                        } catch (thrown) {
                          setError(errorText(i18n.locale, thrown));
                        }
                      }}
                    >
                      {i18n.t('deployments.revoke')}
                    </Button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form
        style={{ display: 'flex', gap: 8, alignItems: 'flex-end', marginTop: 8, flexWrap: 'wrap' }}
        onSubmit={async (event) => {
          event.preventDefault();
          setError(undefined);
          try {
            const created = await bridge.call('createInstallation', {
              params: { deployment_id: deployment.id },
              body: { helpdesk, instance: instance.trim() },
            });
            setIssued(created.token);
            setInstance('');
            await load();
          } catch (thrown) {
            setError(errorText(i18n.locale, thrown));
          }
        }}
      >
        <Field>
          <Field.Label>{i18n.t('deployments.helpdesk')}</Field.Label>
          <Select name="helpdesk" value={helpdesk} onChange={(event) => setHelpdesk(event.target.value as 'zendesk' | 'zoho')}>
            <option value="zendesk">Zendesk Support</option>
            <option value="zoho">Zoho Desk</option>
          </Select>
        </Field>
        <Field style={{ flex: 1, minWidth: 240 }}>
          <Field.Label>{i18n.t('deployments.instance')}</Field.Label>
          <Input name="instance" value={instance} onChange={(event) => setInstance(event.target.value)} />
        </Field>
        <Button type="submit" disabled={instance.trim() === ''}>
          {i18n.t('deployments.issue')}
        </Button>
      </form>
      {issued !== undefined && (
        <Alert type="success" style={{ marginTop: 8 }}>
          {i18n.t('deployments.issued')} <code data-testid="installation-token">{issued}</code>
        </Alert>
      )}
      {error !== undefined && (
        <Alert type="error" role="alert" style={{ marginTop: 8 }}>
          {error}
        </Alert>
      )}
    </section>
  );
}

/**
 * Registering the number for the Cloud API through the bridge (numbers/router.ts): request a code by SMS or voice in
 * a language, verify the 6-digit code, register with the two-step verification PIN. Meta's refusals (wrong code, too
 * many codes, already registered) arrive as problems the panel's catalogue translates. The operator, and an account's
 * admin for its own account's numbers (the routes find only those).
 */
function Registration({ deployment, onRegistered }: { deployment: Deployment; onRegistered: () => void }) {
  const i18n = useT();
  const [codeMethod, setCodeMethod] = useState<'SMS' | 'VOICE'>('SMS');
  const [language, setLanguage] = useState(i18n.locale === 'ja' ? 'ja' : 'en_US');
  const [code, setCode] = useState('');
  const [pin, setPin] = useState('');
  const [step, setStep] = useState<'code_requested' | 'code_verified' | 'registered'>();
  // The failure as thrown: its words are chosen when drawn, so a change of language changes them too.
  const [error, setError] = useState<{ thrown: unknown }>();
  const params = { deployment_id: deployment.id };
  const act =
    (action: () => Promise<{ step: 'code_requested' | 'code_verified' | 'registered' }>) => async (event: React.FormEvent) => {
      event.preventDefault();
      setError(undefined);
      try {
        const answer = await action();
        setStep(answer.step);
        if (answer.step === 'registered') onRegistered();
      } catch (thrown) {
        setError({ thrown });
      }
    };
  const row = { display: 'flex', gap: 8, alignItems: 'flex-end', marginTop: 8, flexWrap: 'wrap' } as const;
  return (
    <section data-testid="registration">
      <MD isBold tag="h4" style={{ marginTop: 16 }}>
        {i18n.t('deployments.registration')}
      </MD>
      <MD>{i18n.t('deployments.registrationHint')}</MD>
      <form
        style={row}
        onSubmit={act(() => bridge.call('requestVerificationCode', { params, body: { code_method: codeMethod, language } }))}
      >
        <Field>
          <Field.Label>{i18n.t('deployments.codeMethod')}</Field.Label>
          <Select
            name="code_method"
            value={codeMethod}
            onChange={(event) => setCodeMethod(event.target.value as 'SMS' | 'VOICE')}
          >
            <option value="SMS">{i18n.t('deployments.sms')}</option>
            <option value="VOICE">{i18n.t('deployments.voice')}</option>
          </Select>
        </Field>
        <Field>
          <Field.Label>{i18n.t('deployments.codeLanguage')}</Field.Label>
          <Select name="code_language" value={language} onChange={(event) => setLanguage(event.target.value)}>
            <option value="en_US">English</option>
            <option value="ja">日本語</option>
          </Select>
        </Field>
        <Button type="submit" disabled={step === 'registered'}>
          {i18n.t('deployments.requestCode')}
        </Button>
      </form>
      <form style={row} onSubmit={act(() => bridge.call('verifyVerificationCode', { params, body: { code: code.trim() } }))}>
        <Field>
          <Field.Label>{i18n.t('deployments.code')}</Field.Label>
          <Input
            name="code"
            inputMode="numeric"
            autoComplete="one-time-code"
            value={code}
            onChange={(event) => setCode(event.target.value)}
          />
        </Field>
        <Button type="submit" disabled={code.trim() === '' || step === 'registered'}>
          {i18n.t('deployments.verify')}
        </Button>
      </form>
      <form style={row} onSubmit={act(() => bridge.call('registerNumber', { params, body: { pin } }))}>
        <Field>
          <Field.Label>{i18n.t('deployments.pin')}</Field.Label>
          <Input
            name="pin"
            type="password"
            inputMode="numeric"
            autoComplete="off"
            value={pin}
            onChange={(event) => setPin(event.target.value)}
          />
        </Field>
        <Button type="submit" isPrimary disabled={pin === '' || step === 'registered'}>
          {i18n.t('deployments.register')}
        </Button>
      </form>
      {step !== undefined && (
        <Alert type="success" role="status" style={{ marginTop: 8 }} data-testid="registration-step">
          {i18n.t(`deployments.step_${step}`, { method: i18n.t(codeMethod === 'SMS' ? 'deployments.sms' : 'deployments.voice') })}
        </Alert>
      )}
      {error !== undefined && (
        <Alert type="error" role="alert" style={{ marginTop: 8 }}>
          {errorText(i18n.locale, error.thrown)}
        </Alert>
      )}
    </section>
  );
}

function DeploymentCard({ deployment, verifyToken }: { deployment: Deployment; verifyToken: string | undefined }) {
  const i18n = useT();
  const bridgeUrl = new URL(deployment.webhook_url).origin;
  // Health is read again once the number is registered (its banner goes away).
  const [healthRead, setHealthRead] = useState(0);
  return (
    <Well style={{ marginTop: 16 }} data-testid="deployment">
      <Well.Title>
        {deployment.display_name} · {deployment.display_phone_number}
      </Well.Title>
      <table className="data">
        <tbody>
          <tr>
            <th>{i18n.t('deployments.id')}</th>
            <td>
              <code data-testid="deployment-id">{deployment.id}</code>
            </td>
          </tr>
          <tr>
            <th>{i18n.t('deployments.callbackUrl')}</th>
            <td>
              <code>{deployment.webhook_url}</code>
            </td>
          </tr>
          {verifyToken !== undefined && (
            <tr>
              <th>{i18n.t('deployments.verifyToken')}</th>
              <td>
                <code data-testid="verify-token">{verifyToken}</code>
                <div>{i18n.t('deployments.verifyTokenOnce')}</div>
              </td>
            </tr>
          )}
        </tbody>
      </table>
      <Health key={healthRead} deploymentId={deployment.id} />
      <MD style={{ marginTop: 8 }}>
        {i18n.t('deployments.webhook')} — {i18n.t('deployments.subscribe')}
      </MD>
      <MD isBold tag="h4" style={{ marginTop: 12 }}>
        {i18n.t('deployments.install')}
      </MD>
      <ol style={{ margin: '4px 0', paddingLeft: 20 }}>
        <li>{i18n.t('deployments.zendeskSteps', { url: bridgeUrl, id: deployment.id })}</li>
        <li>{i18n.t('deployments.zohoSteps', { url: bridgeUrl, id: deployment.id })}</li>
      </ol>
      <Registration deployment={deployment} onRegistered={() => setHealthRead((read) => read + 1)} />
      <Installations deployment={deployment} />
    </Well>
  );
}

export function DeploymentsPage({ accountId }: { accountId: string }) {
  const i18n = useT();
  const [rows, setRows] = useState<Deployment[]>();
  const [created, setCreated] = useState<{ id: string; verifyToken: string }>();
  const [error, setError] = useState<string>();
  const load = useCallback(async () => {
    try {
      setRows((await bridge.call('listDeployments', { query: { account_id: accountId, limit: 100 } })).data);
    } catch (thrown) {
      setError(errorText(i18n.locale, thrown));
    }
  }, [accountId, i18n.locale]);
  useEffect(() => {
    void load();
  }, [load]);
  return (
    <div style={{ paddingTop: 16 }}>
      {error !== undefined && <Alert type="error">{error}</Alert>}
      {created !== undefined && (
        <Alert type="success" role="status">
          {i18n.t('deployments.created', { id: created.id })}
        </Alert>
      )}
      {rows?.length === 0 && <MD>{i18n.t('deployments.none')}</MD>}
      {rows?.map((deployment) => (
        <DeploymentCard
          key={deployment.id}
          deployment={deployment}
          verifyToken={created?.id === deployment.id ? created.verifyToken : undefined}
        />
      ))}
      <div style={{ marginTop: 24 }}>
        <CreateDeployment
          accountId={accountId}
          onCreated={(deployment, verifyToken) => {
            setCreated({ id: deployment.id, verifyToken });
            void load();
          }}
        />
      </div>
    </div>
  );
}
