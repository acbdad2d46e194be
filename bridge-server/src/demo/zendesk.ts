import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The Zendesk app in the demo: the local Zendesk host page (zendesk-app/host), run as its own program from
 * zendesk-app's build (the packages never import one another), against the demo bridge. The installation
 * token goes to it through its environment: it stays server-side there, as in Zendesk's secure settings.
 */
const hostProgram = fileURLToPath(new URL('../../../zendesk-app/dist/node/host/main.js', import.meta.url));

export interface ZendeskHostPage {
  url: string;
  stop(): void;
}

export const demoTickets = [
  { id: 101, subject: 'Where is my order?', requesterName: 'Hanako Yamada', requesterPhone: '+81 90-1234-0001' },
  { id: 102, subject: 'Invoice request', requesterName: 'Taro Suzuki', requesterPhone: '+81 90-1234-0002' },
];

/** Starts the host page, or resolves null (with the reason) when zendesk-app is not built. */
export async function startZendeskHostPage(options: {
  port: number;
  bridgeUrl: string;
  deploymentId: string;
  installationToken: string;
}): Promise<ZendeskHostPage | { missing: string }> {
  if (!existsSync(hostProgram)) return { missing: 'zendesk-app is not built: run `npm run build -w zendesk-app`' };
  const child: ChildProcess = spawn(process.execPath, [hostProgram], {
    env: {
      PATH: process.env.PATH ?? '',
      HOST_PAGE_PORT: String(options.port),
      BRIDGE_URL: options.bridgeUrl,
      DEPLOYMENT_ID: options.deploymentId,
      INSTALLATION_TOKEN: options.installationToken,
      TICKETS: JSON.stringify(demoTickets),
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
    child.once('exit', (code) => reject(new Error(`the Zendesk host page exited (${code}): ${output.trim()}`)));
  });
  child.unref();
  return { url, stop: () => child.kill('SIGTERM') };
}
