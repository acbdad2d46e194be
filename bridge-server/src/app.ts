import type { RequestListener } from 'node:http';
import { routes } from '@wabridge/shared';
import express, { type ErrorRequestHandler } from 'express';
import { accountsRouter } from './accounts/router.js';
import { automationsRouter } from './automations/router.js';
import { zendeskChannelRouter } from './channels/zendesk/router.js';
import { zohoChannelRouter } from './channels/zoho/router.js';
import { consoleRouter } from './console/router.js';
import { auditConsoleActions, consolePage } from './console/serve.js';
import { contactsRouter } from './contacts/router.js';
import { conversationsRouter } from './conversations/router.js';
import { deploymentsRouter } from './deployments/router.js';
import { DomainError } from './domain/errors.js';
import { expressPath, type MountOptions, refuseUnstorableQuery } from './http/mount.js';
import { checkMounts } from './http/mount-check.js';
import { httpMetrics, registerWalletAuditMetrics, requestLogging } from './http/observability.js';
import { problemOfFailure, sendProblem } from './http/problem.js';
import { payloadTooLarge, requestReadingProblem, verifyUtf8 } from './http/request-errors.js';
import { installationsRouter } from './installations/router.js';
import { registerJobMetrics } from './jobs/metrics.js';
import { jobsRouter } from './jobs/router.js';
import type { JobRunner } from './jobs/runner.js';
import { LiveHub } from './live/hub.js';
import { liveRouter } from './live/router.js';
import { mediaRouter } from './media/router.js';
import { MediaService } from './media/service.js';
import { messagesRouter } from './messages/router.js';
import { numbersRouter } from './numbers/router.js';
import { type Lifecycle, operationsRouter } from './operations/router.js';
import { optinRouter } from './optin/router.js';
import { paymentsRouter } from './payments/router.js';
import type { PaymentService } from './payments/service.js';
import { pricingRouter } from './pricing/router.js';
import { AuthFailureLimiter } from './security/auth-failures.js';
import { createAuthenticator } from './security/authenticate.js';
import type { Services } from './services.js';
import { templatesRouter } from './templates/router.js';
import type { TemplateSyncer } from './templates/sync.js';
import type { WalletAuditor } from './wallet/audit-worker.js';
import { autoRechargeRouter } from './wallet/auto-recharge-router.js';
import type { AutoRechargeWorker } from './wallet/auto-recharge-worker.js';
import { walletNotificationsRouter } from './wallet/notifications-router.js';
import { walletRouter } from './wallet/router.js';
import { usageRouter } from './wallet/usage-router.js';
import { metaWebhookIngress } from './webhooks/ingress.js';
import type { WebhookJournal } from './webhooks/journal.js';
import { registerWebhookMetrics } from './webhooks/metrics.js';
import type { WebhookProcessor } from './webhooks/processor.js';
import { WebhookReceiver } from './webhooks/receiver.js';
import { webhooksRouter } from './webhooks/router.js';

/** JSON bodies of the management API are small; a larger one is a mistake or an attack. */
const jsonBodyLimitBytes = 256 * 1024;

export interface AppOptions {
  /** Check each response against its contract schema; on in tests and development. */
  validateResponses?: boolean;
  /** Where the admin console's build is (console/serve.ts `consoleBuildDir` by default). */
  consoleDir?: string;
}

/** Maps body-parser failures and unexpected errors to problems; logs what is unexpected. */
function errorHandler(services: Services): ErrorRequestHandler {
  return (error: unknown, request, response, _next) => {
    if (response.headersSent) {
      response.destroy();
      return;
    }
    if (error instanceof DomainError) {
      sendProblem(response, error);
      return;
    }
    const readingProblem = requestReadingProblem(error);
    if (readingProblem !== undefined) {
      sendProblem(response, readingProblem);
      return;
    }
    const type = (error as { type?: string }).type;
    if (type === 'entity.parse.failed') {
      sendProblem(response, new DomainError('invalid_json', `The body is not valid JSON: ${(error as Error).message}.`));
    } else if (type === 'entity.too.large') {
      sendProblem(response, payloadTooLarge((error as { limit?: number }).limit ?? jsonBodyLimitBytes));
    } else if (type === 'charset.unsupported') {
      sendProblem(response, new DomainError('unsupported_media_type', 'Send JSON encoded as UTF-8.'));
    } else {
      sendProblem(response, problemOfFailure(error, request.log ?? services.logger));
    }
  };
}

/** Background workers the routes hand work to. */
export interface Workers {
  processor: WebhookProcessor;
  templateSyncer: TemplateSyncer;
  /** Payments and auto-recharge; undefined when no payment provider is configured. */
  payments?: { service: PaymentService; worker: AutoRechargeWorker };
  /** Where on-disk PGlite acknowledges webhooks (see webhooks/journal.ts). */
  journal?: WebhookJournal;
  /** The scheduled wallet audit, whose last result /metrics exports. */
  walletAudit?: WalletAuditor;
  /** Runs durable jobs; a replayed job wakes it. */
  jobs?: JobRunner;
  /** The panel's live streams (one hub per process); the app makes its own when none is given. */
  live?: LiveHub;
}

/**
 * The bridge's request listener: Meta's usual webhook POSTs through the ingress (webhooks/ingress.ts), everything
 * else through the Express app, with every contract route, the operations endpoints and problem+json errors.
 */
export function createApp(services: Services, lifecycle: Lifecycle, workers: Workers, options: AppOptions = {}): RequestListener {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', services.config.trustProxy);
  app.set('query parser', 'simple');

  const metrics = httpMetrics();
  const { walletAudit } = workers;
  if (walletAudit !== undefined) registerWalletAuditMetrics(metrics.registry, () => walletAudit.latest);
  registerJobMetrics(metrics.registry, services.db);
  registerWebhookMetrics(metrics.registry, services.db, workers.processor);
  app.use(requestLogging(services.logger));
  app.use(metrics.middleware);
  app.use(refuseUnstorableQuery);
  app.use(auditConsoleActions(services.db, services.logger));
  app.use((_request, response, next) => {
    // API answers can carry tokens (installation creation): never cache them anywhere. (setHeader: Express's `set`
    // with an object was 3% of the thread on the panels' hot path, for two constant headers.)
    response.setHeader('Cache-Control', 'no-store');
    response.setHeader('X-Content-Type-Options', 'nosniff');
    next();
  });

  const mountOptions: MountOptions = {
    authenticator: createAuthenticator(
      services.db,
      services.config.adminToken,
      new AuthFailureLimiter(services.db, services.config.authFailuresPerMinute),
      services.config.publicUrl,
    ),
    parseJson: express.json({ limit: jsonBodyLimitBytes, strict: true, type: () => true, verify: verifyUtf8 }),
    validateResponses: options.validateResponses ?? false,
    mounted: [],
  };
  const webhookReceiver = new WebhookReceiver(services, workers.processor, workers.journal, metrics.registry);
  // First: Meta's webhooks are the bulk of the traffic, and every router before them would be tried in vain. (Most
  // never come this far: the ingress below answers them before Express.)
  app.use(webhooksRouter(services, webhookReceiver, mountOptions));
  // Next, what every agent's panel asks on every ticket (the hot path): the status, the templates and the quote.
  app.use(contactsRouter(services, mountOptions));
  app.use(templatesRouter(services, workers.templateSyncer, mountOptions));
  app.use(pricingRouter(services, mountOptions));
  app.use(operationsRouter(services, mountOptions, lifecycle, metrics.registry));
  app.use(accountsRouter(services, mountOptions));
  app.use(deploymentsRouter(services, mountOptions));
  app.use(numbersRouter(services, mountOptions));
  app.use(installationsRouter(services, mountOptions));
  const media = new MediaService(services);
  app.use(
    mediaRouter(media, services.db, mountOptions, {
      encryptionKey: services.config.encryptionKey,
      publicUrl: services.config.publicUrl,
      clock: services.clock,
    }),
  );
  app.use(messagesRouter(services, media, mountOptions));
  app.use(conversationsRouter(services, mountOptions));
  app.use(liveRouter(services, workers.live ?? new LiveHub(services.db, services.logger), mountOptions));
  app.use(zendeskChannelRouter(services, media, mountOptions));
  app.use(zohoChannelRouter(services, media, mountOptions));
  app.use(optinRouter(services, mountOptions));
  app.use(walletRouter(services, mountOptions));
  app.use(usageRouter(services, mountOptions));
  app.use(paymentsRouter(services, workers.payments?.service, mountOptions));
  app.use(autoRechargeRouter(services, workers.payments, mountOptions));
  app.use(walletNotificationsRouter(services, mountOptions));
  app.use(jobsRouter(services, mountOptions, () => workers.jobs?.wake()));
  app.use(automationsRouter(services, mountOptions, () => workers.jobs?.wake()));
  app.use(consoleRouter(services, mountOptions));
  // The admin console's page at `/` (a path no contract route has).
  // A Graph API other than Meta's (the Meta sandbox) serves the profile pictures itself: the page may show them.
  const graphOrigin = new URL(services.config.metaGraphUrl).origin;
  app.use(consolePage(options.consoleDir, graphOrigin === 'https://graph.facebook.com' ? [] : [graphOrigin]));
  // Start-up fails here, naming the routes, unless every contract route is mounted exactly once.
  checkMounts(routes, mountOptions.mounted);

  // A known path with another method: 405 with the methods it does allow.
  const methodsByPath = new Map<string, Set<string>>();
  for (const route of Object.values(routes)) {
    const path = expressPath(route.path);
    methodsByPath.set(path, (methodsByPath.get(path) ?? new Set()).add(route.method.toUpperCase()));
  }
  for (const [path, methods] of methodsByPath) {
    app.all(path, (request, response) => {
      // RFC 9110 §15.5.6: a 405 names the methods the resource has; the problem answer keeps the header.
      response.set('Allow', [...methods].join(', '));
      throw new DomainError('method_not_allowed', `${request.method} is not allowed here; use ${[...methods].join(', ')}.`);
    });
  }
  app.use((request) => {
    throw new DomainError('not_found', `No endpoint ${request.method} ${request.path}; see /openapi.json.`);
  });
  app.use(errorHandler(services));
  const ingress = metaWebhookIngress(webhookReceiver, services.logger, metrics);
  return (request, response) => {
    if (!ingress(request, response)) app(request, response);
  };
}
