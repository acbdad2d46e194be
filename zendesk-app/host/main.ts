/**
 * Runs the local Zendesk host page on its own (`npm run host -w zendesk-app`, and the demo starts it this
 * way). Configured by the environment:
 *   HOST_PAGE_PORT (8070), BRIDGE_URL (required), DEPLOYMENT_ID (required), INSTALLATION_TOKEN (required; kept
 *   on this server), AGENT_LOCALE (en-US), PHONE_FIELD, APP_DIR (zendesk-app/dist/app),
 *   TICKETS (JSON: [{"id": 101, "subject": "…", "requesterName": "…", "requesterPhone": "+81…"}]).
 */
import { fileURLToPath } from 'node:url';
import { type HostTicket, startHostPage } from './server.js';

const packageRoot = fileURLToPath(new URL(import.meta.url.includes('/dist/node/') ? '../../../' : '../', import.meta.url));

const defaultTickets: HostTicket[] = [
  { id: 101, subject: 'Where is my order?', requesterName: 'Hanako Yamada', requesterPhone: '+81 90-1234-0001' },
  { id: 102, subject: 'Invoice request', requesterName: 'Taro Suzuki', requesterPhone: '+81 90-1234-0002' },
];

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is required`);
  return value;
}

async function main(): Promise<void> {
  const page = await startHostPage({
    appDirectory: process.env.APP_DIR || `${packageRoot}dist/app`,
    bridgeUrl: required('BRIDGE_URL'),
    deploymentId: required('DEPLOYMENT_ID'),
    installationToken: required('INSTALLATION_TOKEN'),
    locale: process.env.AGENT_LOCALE || 'en-US',
    ...(process.env.PHONE_FIELD ? { phoneField: process.env.PHONE_FIELD } : {}),
    tickets: process.env.TICKETS ? (JSON.parse(process.env.TICKETS) as HostTicket[]) : defaultTickets,
    port: Number(process.env.HOST_PAGE_PORT || 8070),
  });
  process.stdout.write(`Zendesk host page listening on ${page.url}\n`);
  const stop = () => page.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // Started by the demo with an IPC channel: stop with it, so no orphan outlives the demo.
  process.on('disconnect', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`Zendesk host page failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
