/**
 * Waits until `condition` holds (returns something truthy) and returns what it returned. The
 * outcome is decided by the condition, never by the time: the deadline only turns a condition that never comes into
 * a failure naming `what`, instead of a test that hangs until Vitest's own timeout. An error thrown by the condition
 * ends the wait at once (a process that exited, a request that failed).
 */
export async function waitFor<T>(
  what: string,
  condition: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  options: { timeoutMs?: number } = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
  }
}

/** Generous: a busy two-core machine running several test files at once can take seconds for what takes milliseconds alone. */
const defaultTimeoutMs = 20_000;

/** Short against the webhook POSTs and database round trips tests wait for, cheap against everything else. */
const pollIntervalMs = 10;
