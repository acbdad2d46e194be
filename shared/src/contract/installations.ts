import * as z from 'zod';
import { accountId, deploymentId, installationId, timestamp } from './common.js';

export const helpdesk = z.enum(['zendesk', 'zoho']).meta({ id: 'Helpdesk' });

/** A Zendesk subdomain host: `acme.zendesk.com` (subdomains are 1–63 letters, digits and hyphens). */
const zendeskInstance = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.zendesk\.com$/;
/** A Zoho Desk organisation id: digits only. */
const zohoInstance = /^[0-9]{5,20}$/;

export const createInstallationRequest = z
  .strictObject({
    helpdesk,
    instance: z
      .string()
      .trim()
      .toLowerCase()
      .min(1)
      .max(255)
      .meta({ description: 'Zendesk: the subdomain host (`acme.zendesk.com`). Zoho Desk: the organisation id.' }),
  })
  .superRefine((value, context) => {
    const pattern = value.helpdesk === 'zendesk' ? zendeskInstance : zohoInstance;
    if (!pattern.test(value.instance)) {
      context.addIssue({
        code: 'custom',
        path: ['instance'],
        message:
          value.helpdesk === 'zendesk'
            ? 'must be the Zendesk host, like acme.zendesk.com'
            : 'must be the numeric Zoho Desk organisation id',
      });
    }
  })
  .meta({ id: 'CreateInstallationRequest' });

export const installation = z
  .object({
    id: installationId,
    deployment_id: deploymentId,
    account_id: accountId,
    helpdesk,
    instance: z.string(),
    token_hint: z.string().meta({ description: 'The first characters of the token, to recognise it.' }),
    created_at: timestamp,
    revoked_at: timestamp.nullable(),
  })
  .meta({ id: 'Installation', description: 'A helpdesk attached to a deployment.' });

export const createdInstallation = installation
  .extend({
    token: z.string().meta({
      description: 'Bearer token for this installation. Shown once: the bridge keeps only its hash.',
      example: 'wbi_5k2Jr…',
    }),
  })
  .meta({ id: 'CreatedInstallation' });

export const installationPath = z.strictObject({ installation_id: installationId });

export type CreateInstallationRequest = z.infer<typeof createInstallationRequest>;
export type Installation = z.infer<typeof installation>;
export type Helpdesk = z.infer<typeof helpdesk>;
export type CreatedInstallation = z.infer<typeof createdInstallation>;
