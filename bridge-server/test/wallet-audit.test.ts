import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAdjustment } from '../src/wallet/adjustments.js';
import { backends } from './support/backends.js';
import { startTestBridge, type TestBridge } from './support/bridge.js';

/** The value of an unlabelled metric in Prometheus's text format. */
function metricValue(text: string, name: string): number {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `));
  if (line === undefined) throw new Error(`no metric ${name}`);
  return Number(line.slice(name.length + 1));
}

describe.each(backends)('the scheduled wallet audit on $name', (backend) => {
  let bridge: TestBridge;

  beforeAll(async () => {
    // The schedule is off here: the test runs each audit itself, so nothing but the test decides when one happens.
    bridge = await startTestBridge(backend, { WALLET_AUDIT_INTERVAL_MINUTES: '0' });
  });
  afterAll(async () => {
    await bridge?.close();
  });

  const scrape = async () => (await bridge.request('GET', '/metrics', { token: null })).body as string;

  it('exports the accounts audited, those that disagree with their ledger and when, and logs a tampered wallet', async () => {
    const db = bridge.bridge.database.db;
    const accounts = await Promise.all(
      ['Audited', 'Tampered'].map(async (name) => (await bridge.request('POST', '/v1/accounts', { json: { name } })).body.id),
    );
    for (const [index, accountId] of accounts.entries()) {
      await recordAdjustment(db, {
        accountId,
        points: 100,
        reason: 'opening credit',
        reference: `audit-${backend.name}-${index}`,
      });
    }
    expect(metricValue(await scrape(), 'wabridge_wallet_audit_last_run_timestamp_seconds')).toBe(0);

    const clean = await bridge.bridge.walletAudit.auditNow();
    expect(clean).toMatchObject({ accountsAudited: 2, accountsMismatched: 0, problems: [] });
    const before = await scrape();
    expect(metricValue(before, 'wabridge_wallet_audit_accounts')).toBe(2);
    expect(metricValue(before, 'wabridge_wallet_audit_mismatched_accounts')).toBe(0);
    expect(metricValue(before, 'wabridge_wallet_audit_last_run_timestamp_seconds')).toBeGreaterThan(0);
    expect(bridge.logs()).not.toContain('wallets disagree with their ledger');

    // A hand edit of the wallet row, which only the ledger's trigger may write.
    await sql`update wallets set balance_points = balance_points + 7 where account_id = ${accounts[1]}`.execute(db);
    const tampered = await bridge.bridge.walletAudit.auditNow();

    expect(tampered.accountsMismatched).toBe(1);
    expect(tampered.problems).toEqual([`${accounts[1]}: balance 107 ≠ ledger 100`]);
    const after = await scrape();
    expect(metricValue(after, 'wabridge_wallet_audit_accounts')).toBe(2);
    expect(metricValue(after, 'wabridge_wallet_audit_mismatched_accounts')).toBe(1);
    expect(bridge.logs()).toContain('wallets disagree with their ledger');
    expect(bridge.logs()).toContain(accounts[1]);
  });
});
