import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { MetaGraphClient } from './meta/client.js';
import type { SecretBox } from './security/secret-box.js';
import type { Schema } from './storage/schema.js';

/** What the feature routers need, built once per app. */
export interface Services {
  config: Config;
  db: Kysely<Schema>;
  secretBox: SecretBox;
  logger: Logger;
  meta: MetaGraphClient;
  /** The time domain decisions are made at (windows, rate cards in force, quotes, hosting periods). */
  clock: Clock;
}
