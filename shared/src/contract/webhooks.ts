import * as z from 'zod';
import { deploymentId } from './common.js';

export const metaWebhookPath = z.strictObject({ deployment_id: deploymentId });

/** Meta's subscription handshake: `GET …?hub.mode=subscribe&hub.challenge=…&hub.verify_token=…`. */
export const metaWebhookVerificationQuery = z.object({
  'hub.mode': z.literal('subscribe'),
  'hub.challenge': z.string().min(1).max(256),
  'hub.verify_token': z.string().min(1).max(4096),
});
