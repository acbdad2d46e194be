import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The helpdesk apps in the demo: the local Zendesk host page (zendesk-app/host) and the local Zoho Desk host page
 * (zoho-extension/host), each run as its own program from its package's build (the packages never import one
 * another), against the demo bridge. The installation token goes to each through its environment: it stays
 * server-side there, as in Zendesk's secure settings and Zoho's secure config parameters.
 */
const programs = {
  zendesk: {
    file: fileURLToPath(new URL('../../../zendesk-app/dist/node/host/main.js', import.meta.url)),
    build: 'npm run build -w zendesk-app',
    label: 'Zendesk',
  },
  zoho: {
    file: fileURLToPath(new URL('../../../zoho-extension/dist/node/host/main.js', import.meta.url)),
    build: 'npm run build -w zoho-extension',
    label: 'Zoho Desk',
  },
} as const;

export type Helpdesk = keyof typeof programs;

export interface HostPage {
  url: string;
  stop(): void;
}

/** The demo's two customers: #101 has just written (window open), #102 never has (templates only). */
export const demoCustomers = [
  { ticket: 101, subject: 'Where is my order?', name: 'Hanako Yamada', phone: '+81 90-1234-0001' },
  { ticket: 102, subject: 'Invoice request', name: 'Taro Suzuki', phone: '+81 90-1234-0002' },
] as const;

/** The same tickets in each helpdesk's own shape (Zoho's ticket ids are long numbers, apart from the number agents see). */
const tickets: Record<Helpdesk, unknown[]> = {
  zendesk: demoCustomers.map((customer) => ({
    id: customer.ticket,
    subject: customer.subject,
    requesterName: customer.name,
    requesterPhone: customer.phone,
  })),
  zoho: demoCustomers.map((customer) => ({
    id: `1892000000093${String(customer.ticket).padStart(3, '0')}`,
    number: customer.ticket,
    subject: customer.subject,
    contactName: customer.name,
    mobile: customer.phone,
  })),
};

/** Starts a helpdesk's host page, or resolves the reason it cannot (its package is not built). */
export async function startHostPage(
  helpdesk: Helpdesk,
  options: { port: number; bridgeUrl: string; deploymentId: string; installationToken: string },
): Promise<HostPage | { missing: string }> {
  const program = programs[helpdesk];
  if (!existsSync(program.file)) return { missing: `${program.label} is not built: run \`${program.build}\`` };
  const child: ChildProcess = spawn(process.execPath, [program.file], {
    env: {
      PATH: process.env.PATH ?? '',
      HOST_PAGE_PORT: String(options.port),
      BRIDGE_URL: options.bridgeUrl,
      DEPLOYMENT_ID: options.deploymentId,
      INSTALLATION_TOKEN: options.installationToken,
      TICKETS: JSON.stringify(tickets[helpdesk]),
    },
    // The IPC channel lets the host page stop with the demo, even if the demo dies without cleaning up.
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = output.match(/listening on (http:\/\/\S+)/);
      if (match) resolve(match[1]!.replace('127.0.0.1', 'localhost'));
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the ${program.label} host page exited (${code}): ${output.trim()}`)));
  });
  child.unref();
  return { url, stop: () => child.kill('SIGTERM') };
}
