import {
  type ConsentAuditRecord,
  consentSources,
  defaultTopicIds,
  type OptinSettings,
  type TemplateRule,
  topicConfigurationSchema,
} from '@wabridge/shared';
import { BridgeRequestError, problemOf } from '@wabridge/shared/client';
import { createI18n } from '@wabridge/shared/panel';
import { Button } from '@zendeskgarden/react-buttons';
import { Field, Input, Select } from '@zendeskgarden/react-forms';
import { Progress } from '@zendeskgarden/react-loaders';
import { Alert } from '@zendeskgarden/react-notifications';
import { LG, MD } from '@zendeskgarden/react-typography';
import { useCallback, useEffect, useState } from 'react';
import { bridge, errorText } from './api.js';
import { type ConsoleI18n, useT } from './i18n.js';

type TopicRow = { id: string; label: string };
type RuleRow = { category: string; template_name: string; topic: string };

const isDefaultTopic = (id: string) => (defaultTopicIds as readonly string[]).includes(id);

/** The panel's words for consent states, sources and record problems (shared catalogue), in the console's language. */
function panelWord(i18n: ConsoleI18n, key: string, fallback: string): string {
  return createI18n(i18n.locale).tIfKnown(key) ?? fallback;
}

function asRules(rows: RuleRow[]): TemplateRule[] {
  return rows.map((row) => ({
    match: {
      ...(row.category === '' ? {} : { category: row.category as TemplateRule['match']['category'] }),
      ...(row.template_name.trim() === '' ? {} : { template_name: row.template_name.trim() }),
    },
    topic: row.topic,
  }));
}

function TopicsEditor({ accountId, onSaved }: { accountId: string; onSaved: () => void }) {
  const i18n = useT();
  const [topics, setTopics] = useState<TopicRow[]>([]);
  const [rules, setRules] = useState<RuleRow[]>([]);
  const [issues, setIssues] = useState<string[]>([]);
  // What happened, kept as such: its words are chosen when drawn, so a change of language changes them too.
  const [outcome, setOutcome] = useState<{ saved: true } | { saved: false; thrown: unknown }>();
  const show = useCallback((settings: OptinSettings) => {
    setTopics(settings.topics.map((topic) => ({ id: topic.id, label: topic.label ?? '' })));
    setRules(
      settings.template_rules.map((rule) => ({
        category: rule.match.category ?? '',
        template_name: rule.match.template_name ?? '',
        topic: rule.topic,
      })),
    );
  }, []);
  useEffect(() => {
    bridge
      .call('getOptinSettings', { query: { account_id: accountId } })
      .then(show, (thrown) => setOutcome({ saved: false, thrown }));
  }, [accountId, show]);

  const setTopic = (index: number, change: Partial<TopicRow>) =>
    setTopics(topics.map((topic, at) => (at === index ? { ...topic, ...change } : topic)));
  const setRule = (index: number, change: Partial<RuleRow>) =>
    setRules(rules.map((rule, at) => (at === index ? { ...rule, ...change } : rule)));
  return (
    <form
      aria-label={i18n.t('optin.topics')}
      onSubmit={async (event) => {
        event.preventDefault();
        setOutcome(undefined);
        const configuration = {
          topics: topics.map((topic) => ({
            id: topic.id.trim(),
            ...(topic.label.trim() === '' ? {} : { label: topic.label.trim() }),
          })),
          template_rules: asRules(rules),
        };
        // Checked with the bridge's own schema first: each problem is named where it is, before anything is sent.
        const checked = topicConfigurationSchema.safeParse(configuration);
        setIssues(checked.success ? [] : checked.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
        if (!checked.success) return;
        try {
          show(await bridge.call('putOptinSettings', { query: { account_id: accountId }, body: configuration }));
          setOutcome({ saved: true });
          onSaved();
        } catch (thrown) {
          setOutcome({ saved: false, thrown });
        }
      }}
    >
      <LG tag="h2">{i18n.t('optin.topics')}</LG>
      <MD>{i18n.t('optin.topicsHint')}</MD>
      <table className="data" data-testid="topics" style={{ marginTop: 8 }}>
        <thead>
          <tr>
            <th>{i18n.t('optin.topicId')}</th>
            <th>{i18n.t('optin.topicLabel')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {topics.map((topic, index) => (
            <tr key={index}>
              <td>
                <Field>
                  <Field.Label hidden>{i18n.t('optin.topicId')}</Field.Label>
                  <Input
                    name={`topic_id_${index}`}
                    value={topic.id}
                    readOnly={isDefaultTopic(topic.id)}
                    isCompact
                    onChange={(event) => setTopic(index, { id: event.target.value })}
                  />
                </Field>
              </td>
              <td>
                <Field>
                  <Field.Label hidden>{i18n.t('optin.topicLabel')}</Field.Label>
                  <Input
                    name={`topic_label_${index}`}
                    value={topic.label}
                    isCompact
                    onChange={(event) => setTopic(index, { label: event.target.value })}
                  />
                </Field>
              </td>
              <td>
                {!isDefaultTopic(topic.id) && (
                  <Button size="small" isDanger onClick={() => setTopics(topics.filter((_, at) => at !== index))}>
                    {i18n.t('optin.remove')}
                  </Button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Button size="small" style={{ marginTop: 8 }} onClick={() => setTopics([...topics, { id: '', label: '' }])}>
        {i18n.t('optin.addTopic')}
      </Button>

      <MD isBold tag="h3" style={{ marginTop: 16 }}>
        {i18n.t('optin.rules')}
      </MD>
      <table className="data" data-testid="rules">
        <thead>
          <tr>
            <th>{i18n.t('optin.ruleCategory')}</th>
            <th>{i18n.t('optin.ruleName')}</th>
            <th>{i18n.t('optin.ruleTopic')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {rules.map((rule, index) => (
            <tr key={index}>
              <td>
                <Select
                  isCompact
                  aria-label={i18n.t('optin.ruleCategory')}
                  value={rule.category}
                  onChange={(event) => setRule(index, { category: event.target.value })}
                >
                  <option value="">{i18n.t('optin.anyCategory')}</option>
                  {(['MARKETING', 'UTILITY', 'AUTHENTICATION'] as const).map((category) => (
                    <option key={category} value={category}>
                      {i18n.t(`templates.category_${category}`)}
                    </option>
                  ))}
                </Select>
              </td>
              <td>
                <Input
                  isCompact
                  aria-label={i18n.t('optin.ruleName')}
                  value={rule.template_name}
                  onChange={(event) => setRule(index, { template_name: event.target.value })}
                />
              </td>
              <td>
                <Select
                  isCompact
                  aria-label={i18n.t('optin.ruleTopic')}
                  value={rule.topic}
                  onChange={(event) => setRule(index, { topic: event.target.value })}
                >
                  {topics.map((topic) => (
                    <option key={topic.id} value={topic.id}>
                      {topic.label === '' ? topic.id : `${topic.label} (${topic.id})`}
                    </option>
                  ))}
                </Select>
              </td>
              <td>
                <Button size="small" isDanger onClick={() => setRules(rules.filter((_, at) => at !== index))}>
                  {i18n.t('optin.remove')}
                </Button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div style={{ display: 'flex', gap: 8, marginTop: 8 }}>
        <Button
          size="small"
          onClick={() => setRules([...rules, { category: '', template_name: '', topic: topics[0]?.id ?? '' }])}
        >
          {i18n.t('optin.addRule')}
        </Button>
        <Button type="submit" isPrimary size="small">
          {i18n.t('optin.save')}
        </Button>
      </div>
      {issues.length > 0 && (
        <Alert type="error" role="alert" style={{ marginTop: 8 }}>
          <ul style={{ margin: 0, paddingLeft: 16 }}>
            {issues.map((issue) => (
              <li key={issue}>{issue}</li>
            ))}
          </ul>
        </Alert>
      )}
      {outcome !== undefined && (
        <Alert type={outcome.saved ? 'success' : 'error'} role={outcome.saved ? 'status' : 'alert'} style={{ marginTop: 8 }}>
          {outcome.saved ? i18n.t('optin.saved') : errorText(i18n.locale, outcome.thrown)}
        </Alert>
      )}
    </form>
  );
}

/** One line of a refused import, as the bridge names it (shared/src/optin/csv.ts `ConsentCsvError`). */
interface ImportProblem {
  line: number;
  column?: string;
  code: string;
  message: string;
}

type ImportOutcome =
  | { state: 'uploading'; percent: number }
  | { state: 'checking' }
  | { state: 'imported'; count: number }
  /** Refused: the file's problems line by line, or the problem of the request itself. */
  | { state: 'refused'; problems: ImportProblem[]; thrown?: unknown };

/**
 * Sends the file with XMLHttpRequest rather than the contract client: fetch reports no upload progress. Same origin,
 * so the session cookie and the Origin header the bridge checks go with it.
 */
function uploadCsv(
  accountId: string,
  file: File,
  onProgress: (outcome: ImportOutcome) => void,
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('POST', `/v1/consents/import?${new URLSearchParams({ account_id: accountId })}`);
    request.setRequestHeader('content-type', 'text/csv');
    request.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress({ state: 'uploading', percent: Math.round((100 * event.loaded) / event.total) });
    };
    request.upload.onload = () => onProgress({ state: 'checking' });
    request.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(request.responseText);
      } catch {
        body = request.responseText;
      }
      resolve({ status: request.status, body });
    };
    request.onerror = () => reject(new Error('The bridge did not answer.'));
    request.send(file);
  });
}

function ConsentImport({ accountId, onImported }: { accountId: string; onImported: () => void }) {
  const i18n = useT();
  const [file, setFile] = useState<File>();
  const [outcome, setOutcome] = useState<ImportOutcome>();
  const describe = (problem: ImportProblem) => {
    const where =
      problem.line === 0
        ? i18n.t('optin.wholeFile')
        : problem.column === undefined
          ? i18n.t('optin.line', { line: problem.line })
          : i18n.t('optin.lineColumn', { line: problem.line, column: problem.column });
    const csvWord = i18n.t(`csvProblems.${problem.code}` as Parameters<ConsoleI18n['t']>[0]);
    const what = csvWord.startsWith('csvProblems.')
      ? panelWord(i18n, `consentProblems.${problem.code}`, problem.message)
      : csvWord;
    return `${where}: ${what}`;
  };
  return (
    <form
      aria-label={i18n.t('optin.import')}
      style={{ marginTop: 24 }}
      onSubmit={async (event) => {
        event.preventDefault();
        if (file === undefined) return;
        setOutcome({ state: 'uploading', percent: 0 });
        try {
          const answer = await uploadCsv(accountId, file, setOutcome);
          const body = answer.body as { imported?: number; code?: string; errors?: ImportProblem[] } | null;
          if (answer.status === 201 && typeof body?.imported === 'number') {
            setOutcome({ state: 'imported', count: body.imported });
            onImported();
            return;
          }
          const problems = body?.code === 'invalid_consent_file' && Array.isArray(body.errors) ? body.errors : [];
          const thrown = new BridgeRequestError(problemOf(answer.status, answer.body), 'importConsents');
          setOutcome(problems.length > 0 ? { state: 'refused', problems } : { state: 'refused', problems, thrown });
        } catch (thrown) {
          setOutcome({ state: 'refused', problems: [], thrown });
        }
      }}
    >
      <LG tag="h2">{i18n.t('optin.import')}</LG>
      <MD>{i18n.t('optin.importHint')}</MD>
      <div style={{ display: 'flex', gap: 8, alignItems: 'flex-end', marginTop: 8, flexWrap: 'wrap' }}>
        <Field>
          <Field.Label>{i18n.t('optin.file')}</Field.Label>
          <Input
            type="file"
            name="consents_csv"
            accept=".csv,text/csv"
            onChange={(event) => {
              setFile(event.target.files?.[0]);
              setOutcome(undefined);
            }}
          />
        </Field>
        <Button
          type="submit"
          isPrimary
          disabled={file === undefined || outcome?.state === 'uploading' || outcome?.state === 'checking'}
        >
          {i18n.t('optin.upload')}
        </Button>
      </div>
      {outcome?.state === 'uploading' && (
        <div role="status" style={{ marginTop: 8 }}>
          <Progress value={outcome.percent} aria-label={i18n.t('optin.uploading', { percent: outcome.percent })} />
          {i18n.t('optin.uploading', { percent: outcome.percent })}
        </div>
      )}
      {outcome?.state === 'checking' && (
        <Alert type="info" role="status" style={{ marginTop: 8 }}>
          {i18n.t('optin.checking')}
        </Alert>
      )}
      {outcome?.state === 'imported' && (
        <Alert type="success" role="status" style={{ marginTop: 8 }} data-testid="import-outcome">
          {i18n.t('optin.imported', { count: i18n.number(outcome.count) })}
        </Alert>
      )}
      {outcome?.state === 'refused' && (
        <Alert type="error" role="alert" style={{ marginTop: 8 }} data-testid="import-outcome">
          {outcome.thrown === undefined
            ? i18n.t('optin.importFailed', { count: outcome.problems.length })
            : errorText(i18n.locale, outcome.thrown)}
          <ul style={{ margin: '4px 0 0', paddingLeft: 16 }} data-testid="import-problems">
            {outcome.problems.map((problem, index) => (
              <li key={index}>{describe(problem)}</li>
            ))}
          </ul>
        </Alert>
      )}
    </form>
  );
}

function ConsentAudit({ accountId, readCount }: { accountId: string; readCount: number }) {
  const i18n = useT();
  const [phone, setPhone] = useState('');
  const [topic, setTopic] = useState('');
  const [filters, setFilters] = useState<{ phone?: string; topic?: string }>({});
  const [rows, setRows] = useState<ConsentAuditRecord[]>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    // readCount: read again after an import.
    void readCount;
    bridge.call('listConsentAudit', { query: { account_id: accountId, limit: 100, ...filters } }).then(
      (answer) => {
        setRows(answer.data);
        setError(undefined);
      },
      (thrown) => setError(errorText(i18n.locale, thrown)),
    );
  }, [accountId, filters, readCount, i18n.locale]);
  const exportUrl = `/v1/consents/export?${new URLSearchParams({ account_id: accountId, ...filters })}`;
  return (
    <section style={{ marginTop: 24 }}>
      <LG tag="h2">{i18n.t('optin.audit')}</LG>
      <MD>{i18n.t('optin.auditHint')}</MD>
      <form
        style={{ display: 'flex', gap: 8, alignItems: 'flex-end', margin: '8px 0', flexWrap: 'wrap' }}
        onSubmit={(event) => {
          event.preventDefault();
          setFilters({
            ...(phone.trim() === '' ? {} : { phone: phone.trim() }),
            ...(topic.trim() === '' ? {} : { topic: topic.trim() }),
          });
        }}
      >
        <Field>
          <Field.Label>{i18n.t('optin.phone')}</Field.Label>
          <Input name="audit_phone" value={phone} onChange={(event) => setPhone(event.target.value)} />
        </Field>
        <Field>
          <Field.Label>{i18n.t('optin.topic')}</Field.Label>
          <Input name="audit_topic" value={topic} onChange={(event) => setTopic(event.target.value)} />
        </Field>
        <Button type="submit">{i18n.t('optin.filter')}</Button>
        <a href={exportUrl} download data-testid="consent-export">
          {i18n.t('optin.export')}
        </a>
      </form>
      {error !== undefined && (
        <Alert type="error" role="alert">
          {error}
        </Alert>
      )}
      {rows?.length === 0 && <MD>{i18n.t('optin.auditNone')}</MD>}
      {rows !== undefined && rows.length > 0 && (
        <table className="data" data-testid="consent-audit">
          <thead>
            <tr>
              <th>{i18n.t('optin.occurred')}</th>
              <th>{i18n.t('optin.phone')}</th>
              <th>{i18n.t('optin.topic')}</th>
              <th>{i18n.t('optin.state')}</th>
              <th>{i18n.t('optin.source')}</th>
              <th>{i18n.t('optin.evidence')}</th>
              <th>{i18n.t('optin.recordedBy')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.id} data-testid="consent">
                <td>{i18n.dateTime(row.occurred_at)}</td>
                <td>{row.phone}</td>
                <td>{row.topic}</td>
                <td>{panelWord(i18n, `consentStates.${row.state}`, row.state)}</td>
                <td>
                  {(consentSources as readonly string[]).includes(row.source)
                    ? panelWord(i18n, `consentSources.${row.source}`, row.source)
                    : row.source}
                </td>
                <td>{row.evidence}</td>
                <td>{row.recorded_by ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function OptinPage({ accountId }: { accountId: string }) {
  const [readCount, setReadCount] = useState(0);
  const reread = () => setReadCount((count) => count + 1);
  return (
    <div style={{ paddingTop: 16 }}>
      <TopicsEditor accountId={accountId} onSaved={reread} />
      <ConsentImport accountId={accountId} onImported={reread} />
      <ConsentAudit accountId={accountId} readCount={readCount} />
    </div>
  );
}
