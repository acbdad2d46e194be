import type { AddressInfo } from 'node:net';
/**
 * `npm start`: the whole product on this machine with no outside service. It starts the Meta sandbox, the
 * bridge on embedded storage (PGlite in DATA_DIR) pointed at the sandbox, seeds a demo account through the
 * API, and serves a local page. Secrets are generated on first run and kept in DATA_DIR/demo.json.
 *
 * It also starts the local Zendesk host page (zendesk-app/host) with the Zendesk app in a ticket sidebar and the
 * local Zoho Desk host page (zoho-extension/host) with the extension in a ticket's right panel, both on the same
 * bridge and wallet, and has the demo customer write through the sandbox, so their WhatsApp window is open.
 *
 * Environment (all optional): PORT (bridge, 8080), META_SANDBOX_PORT (8090), DEMO_PORT (page, 8000),
 * ZENDESK_HOST_PORT (the Zendesk host page, 8070), ZOHO_HOST_PORT (the Zoho Desk host page, 8060), DATA_DIR
 * (./data), LOG_LEVEL (warn: the demo keeps its terminal readable). Other bridge variables apply.
 */
import express from 'express';
import pino from 'pino';
import { ConfigError, loadConfig } from './config.js';
import { clockRouter, demoClock } from './demo/clock.js';
import { startHostPage } from './demo/host-pages.js';
import { demoLocaleOf, demoPage } from './demo/page.js';
import { customerPhone } from './demo/phone.js';
import { loadDemoState } from './demo/secrets.js';
import { customerWrites, demoCustomerWrote, seedDemo, seedPoints } from './demo/seed.js';
import { createMetaSandbox } from './meta-sandbox/sandbox.js';
import { createLogger, startBridge } from './server.js';

const environment = process.env;
const dataDir = environment.DATA_DIR || './data';
const bridgePort = Number(environment.PORT || 8080);
const sandboxPort = Number(environment.META_SANDBOX_PORT || 8090);
const demoPort = Number(environment.DEMO_PORT || 8000);
const zendeskHostPort = Number(environment.ZENDESK_HOST_PORT || 8070);
const zohoHostPort = Number(environment.ZOHO_HOST_PORT || 8060);

async function main(): Promise<void> {
  const { state, save } = await loadDemoState(dataDir);

  const sandbox = createMetaSandbox({ logger: pino({ level: environment.LOG_LEVEL || 'warn' }) });
  const runningSandbox = await sandbox.listen(sandboxPort, '127.0.0.1');

  const config = loadConfig({
    ...environment,
    PORT: String(bridgePort),
    HOST: environment.HOST || '127.0.0.1',
    DATA_DIR: dataDir,
    BRIDGE_ADMIN_TOKEN: environment.BRIDGE_ADMIN_TOKEN || state.adminToken,
    BRIDGE_ENCRYPTION_KEY: environment.BRIDGE_ENCRYPTION_KEY || state.encryptionKey,
    META_GRAPH_URL: runningSandbox.url,
    LOG_LEVEL: environment.LOG_LEVEL || 'warn',
    // Buying points works in the demo: the sandbox provider's test payment methods (never in production).
    PAYMENT_PROVIDER: environment.PAYMENT_PROVIDER || 'sandbox',
  });
  const bridge = await startBridge(config, { logger: createLogger(config) });
  const number = {
    phone_number_id: state.phoneNumberId,
    waba_id: state.wabaId,
    display_phone_number: state.displayPhoneNumber,
    verified_name: 'Demo Support',
    access_token: state.accessToken,
    app_secret: state.appSecret,
  };
  // Meta knows the number before the bridge is told of it: creating the deployment checks its credentials with Meta.
  sandbox.registerNumber(number);
  const seeded = await seedDemo(bridge.url, state);
  await save();
  if (await seedPoints(bridge.url, state)) await save();
  sandbox.registerNumber({ ...number, webhook_url: `${bridge.url}/v1/webhooks/meta/${state.deploymentId}` });
  const installations = state.installations!;
  await customerWrites(bridge.url, runningSandbox.url, state);
  const zendesk = await startHostPage('zendesk', {
    port: zendeskHostPort,
    bridgeUrl: bridge.url,
    deploymentId: state.deploymentId!,
    installationToken: installations.zendesk.token,
  });
  const zoho = await startHostPage('zoho', {
    port: zohoHostPort,
    bridgeUrl: bridge.url,
    deploymentId: state.deploymentId!,
    installationToken: installations.zoho.token,
  });
  const zendeskUrl = 'url' in zendesk ? zendesk.url : null;
  const zohoUrl = 'url' in zoho ? zoho.url : null;

  const phone = customerPhone({ sandboxUrl: runningSandbox.url, phoneNumberId: state.phoneNumberId });
  phone.remember(0, demoCustomerWrote, new Date());
  const clock = demoClock({
    db: bridge.database.db,
    deploymentId: state.deploymentId!,
    sandbox,
    phoneNumberId: state.phoneNumberId,
    movePast: phone.movePast,
    advancedMinutes: state.clockAdvancedMinutes ?? 0,
    onAdvanced: async (advancedMinutes) => {
      state.clockAdvancedMinutes = advancedMinutes;
      await save();
    },
  });
  const page = express();
  page.use(phone.router);
  page.use(clockRouter(clock));
  page.get('/', async (request, response) => {
    const bridgeReady = await fetch(`${bridge.url}/readyz`).then(
      (answer) => answer.ok,
      () => false,
    );
    const links = { bridgeUrl: bridge.url, sandboxUrl: runningSandbox.url, bridgeReady, zendeskUrl, zohoUrl };
    const view = { locale: demoLocaleOf(request.query.locale), advancedMinutes: clock.advancedMinutes };
    response.type('html').send(demoPage(state, links, view));
  });
  const pageServer = page.listen(demoPort, '127.0.0.1');
  await new Promise<void>((resolve, reject) => pageServer.once('listening', resolve).once('error', reject));
  // The port it got: DEMO_PORT=0 asks for any free one (the demo's test does, so that no port is chosen ahead).
  const pagePort = (pageServer.address() as AddressInfo).port;

  process.stdout.write(`
wabridge demo is running${seeded ? ' (seeded a demo account)' : ''}.

  Demo page        http://localhost:${pagePort}
  Zendesk sidebar  ${'url' in zendesk ? `${zendesk.url}   (a local Zendesk ticket with the app; customer +81 90-1234-0001 wrote)` : `not started: ${zendesk.missing}`}
  Zoho Desk panel  ${'url' in zoho ? `${zoho.url}   (a local Zoho Desk ticket with the extension; same customers, same wallet)` : `not started: ${zoho.missing}`}
  Bridge API       ${bridge.url}   (OpenAPI: ${bridge.url}/openapi.json)
  Admin console    ${bridge.url}/   (sign in as the operator with the Admin token below)
  Meta sandbox     ${runningSandbox.url}
  Storage          PGlite in ${dataDir}  (secrets of this demo: ${dataDir}/demo.json)

  Admin token      ${config.adminToken}
  Deployment ID    ${state.deploymentId}
  Zendesk token    ${installations.zendesk.token}
  Zoho Desk token  ${installations.zoho.token}

Try:
  curl -H 'Authorization: Bearer ${installations.zendesk.token}' ${bridge.url}/v1/deployments

Press Ctrl+C to stop.
`);

  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      if ('stop' in zendesk) zendesk.stop();
      if ('stop' in zoho) zoho.stop();
      pageServer.close();
      pageServer.closeAllConnections();
      Promise.all([bridge.close(), runningSandbox.close()]).then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
}

main().catch((error: unknown) => {
  const message =
    error instanceof ConfigError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
  const hint =
    (error as NodeJS.ErrnoException).code === 'EADDRINUSE' || /EADDRINUSE/.test(message)
      ? '\nA port is taken: set PORT, META_SANDBOX_PORT, DEMO_PORT or ZENDESK_HOST_PORT.'
      : '';
  process.stderr.write(`wabridge demo failed to start: ${message}${hint}\n`);
  process.exit(1);
});
