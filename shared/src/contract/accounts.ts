import * as z from 'zod';
import { accountId, timestamp } from './common.js';

export const createAccountRequest = z
  .strictObject({
    name: z.string().trim().min(1, 'must not be empty').max(200).meta({ example: 'Acme Retail K.K.' }),
  })
  .meta({ id: 'CreateAccountRequest' });

export const account = z
  .object({ id: accountId, name: z.string(), created_at: timestamp })
  .meta({ id: 'Account', description: 'A customer of the bridge. It owns deployments, installations and the wallet.' });

export const accountPath = z.strictObject({ account_id: accountId });

export type CreateAccountRequest = z.infer<typeof createAccountRequest>;
export type Account = z.infer<typeof account>;
