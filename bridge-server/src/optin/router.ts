import {
  consentsToCsv,
  keywordConfigurationSchema,
  routes,
  topicConfigurationSchema,
  topicIds,
  validateConsent,
} from '@wabridge/shared';
import { Router } from 'express';
import { DomainError, validationFailed } from '../domain/errors.js';
import { actingAccount, type Caller, installationOf } from '../http/caller.js';
import { type MountOptions, mountRoute } from '../http/mount.js';
import type { Services } from '../services.js';
import { importConsents } from './import.js';
import {
  appendConsents,
  asConsentRecord,
  businessNamesOf,
  consentRecordsOf,
  consentRowsForAudit,
  consentRowsForExport,
  consentRowsOf,
  loadOptinSettings,
  presentConsent,
  saveOptinSettings,
} from './store.js';

/**
 * The account's opt-in settings and consent trail. The settings, the import, the export and the audit list are open to
 * the operator and an account admin too (the console): they name the account in `account_id` (http/caller.ts
 * actingAccount: the operator must, an account admin or installation naming another gets unknown_account).
 */
export function optinRouter({ db }: Services, options: MountOptions): Router {
  const router = Router();
  const accountOf = (caller: Caller, named: string | undefined) => actingAccount(db, caller, named, 'query.account_id');

  async function presentSettings(accountId: string) {
    const settings = await loadOptinSettings(db, accountId);
    return {
      topics: settings.configuration.topics,
      template_rules: settings.configuration.template_rules,
      keywords: settings.keywords,
      business_names: await businessNamesOf(db, accountId, settings.configuredBusinessNames),
      confirmations: settings.confirmations,
    };
  }

  mountRoute(
    router,
    routes.getOptinSettings,
    async ({ query }, { caller }) => presentSettings(await accountOf(caller, query.account_id)),
    options,
  );

  mountRoute(
    router,
    routes.putOptinSettings,
    async ({ body, query }, { caller }) => {
      const accountId = await accountOf(caller, query.account_id);
      const configuration = topicConfigurationSchema.safeParse({ topics: body.topics, template_rules: body.template_rules });
      if (!configuration.success) {
        throw validationFailed(
          configuration.error.issues.map((issue) => ({
            path: ['body', ...issue.path].join('.'),
            code: (issue as { params?: { problem?: string } }).params?.problem ?? issue.code,
            message: issue.message,
          })),
        );
      }
      const current = await loadOptinSettings(db, accountId);
      const keywords = body.keywords === undefined ? current.keywords : keywordConfigurationSchema.parse(body.keywords);
      await saveOptinSettings(db, accountId, {
        configuration: configuration.data,
        keywords,
        configuredBusinessNames: body.business_names ?? current.configuredBusinessNames,
        confirmations: body.confirmations ?? current.confirmations,
      });
      return presentSettings(accountId);
    },
    options,
  );

  mountRoute(
    router,
    routes.recordConsent,
    async ({ params, body }, { caller, response }) => {
      const installation = installationOf(caller);
      const settings = await loadOptinSettings(db, installation.accountId);
      const validation = validateConsent(body, {
        businessNames: await businessNamesOf(db, installation.accountId, settings.configuredBusinessNames),
        knownTopics: topicIds(settings.configuration),
        now: new Date(),
      });
      if (!validation.ok) {
        throw new DomainError(
          'invalid_consent',
          validation.problems.map((problem) => `${problem.field}: ${problem.message}`).join('; '),
          {
            errors: validation.problems.map((problem) => ({
              path: `body.${problem.field}`,
              code: problem.code,
              message: problem.message,
            })),
          },
        );
      }
      const [row] = await appendConsents(db, installation.accountId, params.phone, [validation.entry], {
        installationId: installation.installationId,
        deploymentId: installation.deploymentId,
      });
      response.location(`/v1/contacts/${encodeURIComponent(params.phone)}/consents`);
      return presentConsent(row!);
    },
    options,
  );

  mountRoute(
    router,
    routes.listConsents,
    async ({ params }, { caller }) => ({
      data: (await consentRowsOf(db, installationOf(caller).accountId, params.phone)).map(presentConsent),
    }),
    options,
  );

  mountRoute(
    router,
    routes.importConsents,
    // Read off the network as it arrives and stored in pieces (optin/import.ts): memory stays bounded whatever the size.
    async ({ query }, { caller, request }) =>
      importConsents(
        db,
        await accountOf(caller, query.account_id),
        caller.kind === 'installation' ? { installationId: caller.installationId, deploymentId: caller.deploymentId } : {},
        request,
      ),
    options,
    { rawBody: 'stream' },
  );

  mountRoute(
    router,
    routes.exportConsents,
    async ({ query: filters }, { caller }) => {
      const rows = await consentRowsForExport(db, await accountOf(caller, filters.account_id), filters);
      return {
        filename: 'consents.csv',
        csv: consentsToCsv(rows.map((row) => ({ ...asConsentRecord(row), phone: row.phone }))),
      };
    },
    options,
  );

  mountRoute(
    router,
    routes.listConsentAudit,
    async ({ query: filters }, { caller }) => ({
      data: (await consentRowsForAudit(db, await accountOf(caller, filters.account_id), filters)).map(presentConsent),
    }),
    options,
  );
  return router;
}

export { consentRecordsOf };
