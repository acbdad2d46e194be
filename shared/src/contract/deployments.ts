import * as z from 'zod';
import { accountId, deploymentId, metaObjectId, phoneNumber, timestamp } from './common.js';

const secretToken = (what: string) =>
  z
    .string()
    .min(8, `is too short to be a ${what}`)
    .max(4096)
    .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');

/**
 * The Meta app whose token and secret the deployment holds (App settings → Basic → App ID). Meta's Resumable Upload
 * API opens its sessions on the app (`POST /{app-id}/uploads`), so a new profile picture needs it.
 */
const metaAppId = metaObjectId.meta({
  description: 'Meta app id (App settings → Basic): needed to upload a profile picture. Not a secret.',
  example: '1000000000000001',
});

export const createDeploymentRequest = z
  .strictObject({
    account_id: accountId,
    display_name: z.string().trim().min(1, 'must not be empty').max(200).meta({ example: 'Acme Support' }),
    display_phone_number: phoneNumber,
    waba_id: metaObjectId.meta({ description: 'WhatsApp Business Account id.' }),
    phone_number_id: metaObjectId.meta({ description: 'Cloud API phone-number id.' }),
    business_manager_id: metaObjectId.optional().meta({ description: 'Meta business portfolio (manager) id.' }),
    app_id: metaAppId.optional(),
    access_token: secretToken('Graph API access token').meta({
      description: 'System-user access token. Encrypted at rest; never returned.',
      writeOnly: true,
    }),
    app_secret: z
      .string()
      .regex(/^[0-9a-fA-F]{32}$/, 'must be the 32 hexadecimal characters of the Meta app secret (App settings → Basic)')
      .meta({ description: 'Meta app secret; signs webhooks. Encrypted at rest; never returned.', writeOnly: true }),
    verify_token: secretToken('webhook verify token').meta({
      description: 'The token Meta echoes in the webhook verification handshake. Encrypted at rest; never returned.',
      writeOnly: true,
    }),
  })
  .meta({ id: 'CreateDeploymentRequest' });

export const deployment = z
  .object({
    id: deploymentId,
    account_id: accountId,
    display_name: z.string(),
    display_phone_number: z.string().meta({ description: 'E.164.', example: '+819012345678' }),
    waba_id: z.string(),
    phone_number_id: z.string(),
    business_manager_id: z.string().nullable(),
    app_id: z.string().nullable().meta({ description: 'Meta app id; null until an admin gives it.' }),
    webhook_url: z.url().meta({ description: 'Configure this as the callback URL of the Meta app.' }),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Deployment', description: 'A WhatsApp business number registered with the bridge.' });

/** What an admin may change of a deployment after creating it (its credentials are checked once, at creation). */
export const updateDeploymentRequest = z.strictObject({ app_id: metaAppId }).meta({ id: 'UpdateDeploymentRequest' });

export const deploymentPath = z.strictObject({ deployment_id: deploymentId });

export type CreateDeploymentRequest = z.infer<typeof createDeploymentRequest>;
export type UpdateDeploymentRequest = z.infer<typeof updateDeploymentRequest>;
export type Deployment = z.infer<typeof deployment>;
