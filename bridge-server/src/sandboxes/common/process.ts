import type { Logger } from 'pino';
import type { ListeningServer } from './server.js';

/**
 * The life of a sandbox program (the Meta sandbox, the helpdesk sandboxes): SIGTERM or SIGINT closes its servers (once,
 * however many signals come) and exits 0, or 1 if closing failed.
 */
export function closeOnSignals(servers: ListeningServer[], logger: Logger): void {
  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down');
      Promise.all(servers.map((server) => server.close())).then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
}

/** Runs a sandbox program's `main`; a failure to start is written to standard error (the logger may not exist yet). */
export function runSandboxProgram(name: string, main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    process.stderr.write(
      `${name}: failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  });
}
