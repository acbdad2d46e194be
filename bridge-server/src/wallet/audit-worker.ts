import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { BackgroundWorker } from '../background/worker-loop.js';
import type { Schema } from '../storage/schema.js';
import { auditWalletAccounts, type WalletAudit } from './audit.js';

/** The last audit this process ran, and when it finished. */
export interface WalletAuditReport extends WalletAudit {
  finishedAt: Date;
}

/**
 * Audits every wallet against its ledger (wallet/audit.ts) once at start and then every
 * WALLET_AUDIT_INTERVAL_MINUTES, keeping the result for the metrics (http/observability.ts) and logging an error
 * for each account that disagrees. Every replica audits on its own: the audit only reads, one statement in one
 * snapshot, so replicas cannot disturb each other or the wallets, and each exports a result of its own.
 */
export class WalletAuditor extends BackgroundWorker {
  #latest: WalletAuditReport | undefined;
  readonly #now: () => Date;

  constructor(
    private readonly db: Kysely<Schema>,
    private readonly logger: Logger,
    options: { intervalMs: number; now?: () => Date },
  ) {
    super({ name: 'wallet audit', pollIntervalMs: options.intervalMs, logger });
    this.#now = options.now ?? (() => new Date());
  }

  /** The last audit's result; undefined until the first one finished. */
  get latest(): WalletAuditReport | undefined {
    return this.#latest;
  }

  protected async step(): Promise<'idle'> {
    await this.auditNow();
    return 'idle';
  }

  /** Audits now (the loop's step; tests call it too). */
  async auditNow(): Promise<WalletAuditReport> {
    const audit = await this.counted(() => auditWalletAccounts(this.db));
    this.#latest = { ...audit, finishedAt: this.#now() };
    if (audit.accountsMismatched > 0) {
      this.logger.error(
        { accountsMismatched: audit.accountsMismatched, problems: audit.problems },
        'wallet audit: wallets disagree with their ledger',
      );
    }
    return this.#latest;
  }
}
