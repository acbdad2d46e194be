/**
 * Where the bridge's domain decisions read the time: whether a customer's window is open, which rate card and rule
 * set are in force, the quote, the hosting period. One injectable clock so tests can fix or move the time instead of
 * depending on today's date; the system clock everywhere else. Leases and timestamps the database writes keep the
 * database's own clock.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
