import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** What the demo generates once and keeps in its data directory, so a restart finds its data readable. */
export interface DemoState {
  adminToken: string;
  encryptionKey: string;
  /** The sandbox's demo number and the secrets Meta would hold for it. */
  phoneNumberId: string;
  wabaId: string;
  displayPhoneNumber: string;
  accessToken: string;
  appSecret: string;
  verifyToken: string;
  /** Filled in once seeded through the API. */
  accountId?: string;
  deploymentId?: string;
  installations?: Record<'zendesk' | 'zoho', { id: string; token: string }>;
  /** The account's point prices are set and its welcome points bought. */
  pointsSeeded?: boolean;
  /** How far the demo clock has been moved forward, in minutes, kept across restarts with the moved data. */
  clockAdvancedMinutes?: number;
}

function generate(): DemoState {
  return {
    adminToken: randomBytes(32).toString('hex'),
    encryptionKey: randomBytes(32).toString('hex'),
    phoneNumberId: '106540352242922',
    wabaId: '102290129340398',
    displayPhoneNumber: '+81 3-4510-0000',
    accessToken: `EAAG${randomBytes(24).toString('hex')}`,
    appSecret: randomBytes(16).toString('hex'),
    verifyToken: `verify-${randomBytes(12).toString('hex')}`,
  };
}

/** Reads `<dataDir>/demo.json`, creating it (readable by the owner only) on first run. */
export async function loadDemoState(dataDir: string): Promise<{ state: DemoState; save(): Promise<void> }> {
  const path = join(dataDir, 'demo.json');
  let state: DemoState;
  try {
    state = JSON.parse(await readFile(path, 'utf8')) as DemoState;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    state = generate();
  }
  const save = async () => {
    await mkdir(dataDir, { recursive: true });
    await writeFile(path, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  };
  await save();
  return { state, save };
}
