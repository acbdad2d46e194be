import * as z from 'zod';
import { deploymentId, installationId } from '../common.js';
import { defineRoute, defineRoutes } from '../route.js';

/** What the sidebar needs to know of the installation it runs in, beyond the ticket. */
export const installationContext = z
  .object({
    installation_id: installationId,
    helpdesk: z.enum(['zendesk', 'zoho']),
    deployment: z.object({
      id: deploymentId,
      display_phone_number: z.string(),
      country: z
        .string()
        .nullable()
        .meta({ description: 'ISO 3166-1 alpha-2 country of the display number: national numbers on tickets are read in it.' }),
    }),
  })
  .meta({ id: 'InstallationContext' });

export type InstallationContext = z.output<typeof installationContext>;

/** The calling installation's own context (the panel reads a ticket's national phone number in its country). */
export const installationContextRoutes = defineRoutes({
  getInstallationContext: defineRoute({
    method: 'get',
    path: '/v1/installation',
    operationId: 'getInstallationContext',
    summary: 'The calling installation and the business number it serves, with that number’s country.',
    tag: 'Installations',
    auth: 'installation',
    successStatus: 200,
    response: installationContext,
    problems: ['installation_required'],
  }),
});
