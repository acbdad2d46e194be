/**
 * Runs the local Zoho Desk host page on its own (`npm run host -w zoho-extension`). Configured by the environment:
 *   HOST_PAGE_PORT (8060), BRIDGE_URL (required), DEPLOYMENT_ID (required), INSTALLATION_TOKEN (required; kept on
 *   this server), AGENT_LOCALE (en), PHONE_FIELD, EXTENSION_DIR (zoho-extension/dist/wabridge-zoho), ORG_ID,
 *   TICKETS (JSON: [{"id": "1892000000093001", "number": 101, "subject": "…", "contactName": "…", "mobile": "+81…"}]).
 */
import { fileURLToPath } from 'node:url';
import { type HostTicket, startHostPage } from './server.js';

const packageRoot = fileURLToPath(new URL(import.meta.url.includes('/dist/node/') ? '../../../' : '../', import.meta.url));

const defaultTickets: HostTicket[] = [
  {
    id: '1892000000093001',
    number: 101,
    subject: 'Where is my order?',
    contactName: 'Hanako Yamada',
    mobile: '+81 90-1234-0001',
  },
  { id: '1892000000093002', number: 102, subject: 'Invoice request', contactName: 'Taro Suzuki', mobile: '+81 90-1234-0002' },
];

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is required`);
  return value;
}

async function main(): Promise<void> {
  const page = await startHostPage({
    extensionDirectory: process.env.EXTENSION_DIR || `${packageRoot}dist/wabridge-zoho`,
    bridgeUrl: required('BRIDGE_URL'),
    deploymentId: required('DEPLOYMENT_ID'),
    installationToken: required('INSTALLATION_TOKEN'),
    locale: process.env.AGENT_LOCALE || 'en',
    ...(process.env.PHONE_FIELD ? { phoneField: process.env.PHONE_FIELD } : {}),
    ...(process.env.ORG_ID ? { orgId: process.env.ORG_ID } : {}),
    tickets: process.env.TICKETS ? (JSON.parse(process.env.TICKETS) as HostTicket[]) : defaultTickets,
    port: Number(process.env.HOST_PAGE_PORT || 8060),
  });
  process.stdout.write(`Zoho Desk host page listening on ${page.url}\n`);
  const stop = () => page.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // Started by a parent with an IPC channel: stop with it, so no orphan outlives it.
  process.on('disconnect', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`Zoho Desk host page failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
