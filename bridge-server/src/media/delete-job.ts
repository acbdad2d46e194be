import type { Kysely } from 'kysely';
import * as z from 'zod';
import { secretContext } from '../deployments/store.js';
import { type JobHandler, jobDead, jobDone, jobRetry } from '../jobs/runner.js';
import type { MetaGraphClient } from '../meta/client.js';
import { MetaApiError } from '../meta/errors.js';
import type { SecretBox } from '../security/secret-box.js';
import type { Schema } from '../storage/schema.js';

const deletePayload = z.object({
  deployment_id: z.string().min(1).max(100),
  meta_media_id: z.string().regex(/^[0-9]{1,32}$/),
});
type DeletePayload = z.infer<typeof deletePayload>;

/**
 * `delete_meta_media` jobs (queued by media/store.ts `discardUpload`): `DELETE /{media-id}` at Meta, guarded by the
 * deployment's number. A file Meta no longer knows (deleted already, expired: error 100) is done; Meta unreachable
 * is retried with backoff; a deployment gone is dead, for an administrator to see.
 */
export function deleteMetaMediaHandler(
  db: Kysely<Schema>,
  meta: MetaGraphClient,
  secretBox: SecretBox,
): JobHandler<DeletePayload> {
  return {
    payload: deletePayload,
    leaseMs: 2 * 60_000,
    attemptsMax: 10,
    async run(job) {
      const { deployment_id: deploymentId, meta_media_id: mediaId } = job.payload;
      const deployment = await db
        .selectFrom('deployments')
        .select(['phone_number_id', 'access_token_sealed'])
        .where('id', '=', deploymentId)
        .executeTakeFirst();
      if (deployment === undefined) return jobDead(`deployment ${deploymentId} no longer exists`);
      const accessToken = secretBox.open(deployment.access_token_sealed, secretContext(deploymentId, 'access_token'));
      try {
        await meta.deleteMedia(accessToken, mediaId, { phoneNumberId: deployment.phone_number_id });
        return jobDone();
      } catch (error) {
        if (error instanceof MetaApiError && error.code === 100) return jobDone('Meta no longer had the file');
        return jobRetry(error instanceof Error ? error.message : String(error));
      }
    },
  };
}
