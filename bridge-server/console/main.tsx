/**
 * The admin console's entry point: signs in (operator or account admin), then the pages, in English or Japanese.
 * Drawn with Zendesk Garden like the Zendesk app (`@zendeskgarden/react-*` v9, one package per component family).
 */
import type { Account, ConsoleSession } from '@wabridge/shared';
import { Button } from '@zendeskgarden/react-buttons';
import { Field, Input, Select } from '@zendeskgarden/react-forms';
import { Alert } from '@zendeskgarden/react-notifications';
import { Tab, TabList, TabPanel, Tabs } from '@zendeskgarden/react-tabs';
import { DEFAULT_THEME, ThemeProvider } from '@zendeskgarden/react-theming';
import { SM, XL } from '@zendeskgarden/react-typography';
import { StrictMode, useCallback, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { AdminsPage, AuditPage } from './admin.js';
import { bridge, errorText, problemCode } from './api.js';
import { ChartsPage } from './charts.js';
import { DeploymentsPage } from './deployments.js';
import { consoleI18n, I18nContext, type Locale, useT } from './i18n.js';
import { NumberPage } from './number.js';
import { OptinPage } from './optin.js';
import { RatesPage } from './rates.js';
import { ReconciliationPage } from './reconciliation.js';
import { TemplatesPage } from './templates.js';
import { WalletPage } from './wallet.js';

function initialLocale(): Locale {
  const asked = new URLSearchParams(window.location.search).get('lang');
  if (asked === 'ja' || asked === 'en') return asked;
  return navigator.language.toLowerCase().startsWith('ja') ? 'ja' : 'en';
}

function SignIn({ onSignedIn }: { onSignedIn: (session: ConsoleSession) => void }) {
  const i18n = useT();
  const [secret, setSecret] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  return (
    <form
      style={{ maxWidth: 480, margin: '64px auto', padding: 24, background: '#fff', borderRadius: 8 }}
      onSubmit={async (event) => {
        event.preventDefault();
        setBusy(true);
        setError(undefined);
        try {
          onSignedIn(await bridge.call('signIn', { body: { secret: secret.trim() } }));
        } catch (thrown) {
          setError(errorText(i18n.locale, thrown));
        } finally {
          setBusy(false);
        }
      }}
    >
      <XL tag="h1">{i18n.t('signIn.heading')}</XL>
      <Field style={{ marginTop: 16 }}>
        <Field.Label>{i18n.t('signIn.secret')}</Field.Label>
        <Field.Hint>{i18n.t('signIn.hint')}</Field.Hint>
        <Input
          type="password"
          name="secret"
          autoComplete="current-password"
          value={secret}
          onChange={(event) => setSecret(event.target.value)}
        />
      </Field>
      {error !== undefined && (
        <Alert type="error" style={{ marginTop: 12 }} role="alert">
          {error}
        </Alert>
      )}
      <Button type="submit" isPrimary disabled={busy || secret.trim() === ''} style={{ marginTop: 16 }}>
        {i18n.t('signIn.submit')}
      </Button>
    </form>
  );
}

/** The operator chooses the account the pages show; an account admin has exactly one. */
function AccountPicker({
  session,
  accounts,
  accountId,
  onChange,
}: {
  session: ConsoleSession;
  accounts: Account[];
  accountId: string | undefined;
  onChange: (id: string) => void;
}) {
  const i18n = useT();
  if (session.kind === 'account_admin') return null;
  return (
    <Field style={{ minWidth: 260 }}>
      <Field.Label>{i18n.t('account.label')}</Field.Label>
      <Select name="account" value={accountId ?? ''} onChange={(event) => onChange(event.target.value)}>
        {accounts.map((account) => (
          <option key={account.id} value={account.id}>
            {account.name} ({account.id})
          </option>
        ))}
      </Select>
    </Field>
  );
}

type Page =
  | 'deployments'
  | 'templates'
  | 'optin'
  | 'number'
  | 'wallet'
  | 'charts'
  | 'reconciliation'
  | 'rates'
  | 'audit'
  | 'admins';

function Console({ session, onSignedOut }: { session: ConsoleSession; onSignedOut: () => void }) {
  const i18n = useT();
  const [accounts, setAccounts] = useState<Account[]>([]);
  const [accountId, setAccountId] = useState<string | undefined>(session.account_id ?? undefined);
  const [page, setPage] = useState<Page>('deployments');
  const [error, setError] = useState<string>();

  const loadAccounts = useCallback(async () => {
    try {
      const answer = await bridge.call('listAccounts', { query: { limit: 100 } });
      setAccounts(answer.data);
      setAccountId((current) => current ?? answer.data[0]?.id);
    } catch (thrown) {
      if (problemCode(thrown) === 'session_required') onSignedOut();
      setError(errorText(i18n.locale, thrown));
    }
  }, [i18n.locale, onSignedOut]);
  useEffect(() => {
    void loadAccounts();
  }, [loadAccounts]);

  const pages: Page[] = [
    'deployments',
    'templates',
    'optin',
    'number',
    'wallet',
    'charts',
    'reconciliation',
    ...(session.kind === 'operator' ? (['rates'] as const) : []),
    'audit',
    ...(session.kind === 'operator' ? (['admins'] as const) : []),
  ];
  const who =
    session.kind === 'operator'
      ? i18n.t('signIn.operator')
      : i18n.t('signIn.accountAdmin', { name: session.admin_name ?? '', account: session.account_name ?? '' });
  return (
    <div style={{ maxWidth: 1100, margin: '0 auto', padding: 16 }}>
      <header style={{ display: 'flex', gap: 16, alignItems: 'flex-end', flexWrap: 'wrap', marginBottom: 16 }}>
        <div style={{ flex: 1 }}>
          <XL tag="h1">{i18n.t('title')}</XL>
          <SM data-testid="who">
            {who} · {i18n.t('signIn.expires', { time: i18n.dateTime(session.expires_at) })}
          </SM>
        </div>
        <AccountPicker session={session} accounts={accounts} accountId={accountId} onChange={setAccountId} />
        <Button
          onClick={async () => {
            await bridge.call('signOut').catch(() => undefined);
            onSignedOut();
          }}
        >
          {i18n.t('signIn.signOut')}
        </Button>
      </header>
      {error !== undefined && <Alert type="error">{error}</Alert>}
      <Tabs selectedItem={page} onChange={(item) => setPage(item as Page)}>
        <TabList>
          {pages.map((name) => (
            <Tab key={name} item={name}>
              {i18n.t(`nav.${name}`)}
            </Tab>
          ))}
        </TabList>
        {pages.map((name) => (
          <TabPanel key={name} item={name}>
            {page !== name ? null : name === 'admins' ? (
              <AdminsPage accounts={accounts} onAccountsChanged={loadAccounts} />
            ) : name === 'audit' ? (
              <AuditPage />
            ) : name === 'rates' ? (
              <RatesPage />
            ) : accountId === undefined ? (
              <Alert type="info">{i18n.t('account.none')}</Alert>
            ) : name === 'deployments' ? (
              <DeploymentsPage accountId={accountId} />
            ) : name === 'templates' ? (
              <TemplatesPage accountId={accountId} />
            ) : name === 'optin' ? (
              <OptinPage accountId={accountId} />
            ) : name === 'number' ? (
              <NumberPage accountId={accountId} />
            ) : name === 'wallet' ? (
              <WalletPage accountId={accountId} />
            ) : name === 'reconciliation' ? (
              <ReconciliationPage accountId={accountId} />
            ) : (
              <ChartsPage accountId={accountId} />
            )}
          </TabPanel>
        ))}
      </Tabs>
    </div>
  );
}

function App() {
  const [locale, setLocale] = useState<Locale>(initialLocale);
  const [session, setSession] = useState<ConsoleSession | null | undefined>(undefined);
  useEffect(() => {
    bridge.call('getSession').then(setSession, () => setSession(null));
  }, []);
  const i18n = consoleI18n(locale);
  useEffect(() => {
    document.documentElement.lang = locale;
    document.title = i18n.t('title');
  }, [locale, i18n]);
  const signedOut = useCallback(() => setSession(null), []);
  return (
    <ThemeProvider theme={DEFAULT_THEME}>
      <I18nContext.Provider value={i18n}>
        <div style={{ display: 'flex', justifyContent: 'flex-end', padding: '8px 16px 0' }}>
          <Button size="small" isBasic onClick={() => setLocale(locale === 'en' ? 'ja' : 'en')}>
            {i18n.t('common.language')}
          </Button>
        </div>
        {session === undefined ? (
          <p style={{ padding: 16 }}>{i18n.t('common.loading')}</p>
        ) : session === null ? (
          <SignIn onSignedIn={setSession} />
        ) : (
          <Console session={session} onSignedOut={signedOut} />
        )}
      </I18nContext.Provider>
    </ThemeProvider>
  );
}

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
