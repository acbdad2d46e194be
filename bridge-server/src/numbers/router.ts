import { type BusinessProfile, routes } from '@wabridge/shared';
import { Router } from 'express';
import { findDeployment, secretContext } from '../deployments/store.js';
import { DomainError } from '../domain/errors.js';
import { accountScope, type Caller } from '../http/caller.js';
import { type MountOptions, mountRoute } from '../http/mount.js';
import type { Services } from '../services.js';
import { deploymentHealth } from './health.js';
import { readStoredHealth } from './health-store.js';
import { whatsAppLinkOf } from './link.js';
import { callMeta } from './meta-problems.js';
import { receivedPicture } from './picture.js';

/**
 * A deployment's number through the bridge: registration (request a code by SMS or voice, verify it, register with
 * the two-step PIN) and the business profile with its picture. Every call goes to Meta with the deployment's own token; Meta's
 * refusals become the problems of meta-problems.ts. Also the number's health (health.ts) and its wa.me link (link.ts). Tenants: an installation sees its own account's numbers only.
 */
export function numbersRouter(services: Services, options: MountOptions): Router {
  const { db, secretBox, meta, clock } = services;
  const router = Router();

  async function deploymentOf(deploymentId: string, caller: Caller) {
    const deployment = await findDeployment(db, deploymentId, accountScope(caller));
    if (deployment === undefined) throw new DomainError('not_found', `No deployment ${deploymentId}.`);
    return deployment;
  }

  async function number(deploymentId: string, caller: Caller) {
    const deployment = await deploymentOf(deploymentId, caller);
    const accessToken = secretBox.open(deployment.access_token_sealed, secretContext(deployment.id, 'access_token'));
    return { accessToken, phoneNumberId: deployment.phone_number_id, deployment };
  }

  async function profileOf(accessToken: string, phoneNumberId: string): Promise<BusinessProfile> {
    const [profile, status] = await Promise.all([
      callMeta('Reading the business profile', () => meta.getBusinessProfile(accessToken, phoneNumberId)),
      callMeta('Reading the display name', () => meta.getPhoneNumberStatus(accessToken, phoneNumberId)),
    ]);
    return {
      about: profile.about ?? null,
      address: profile.address ?? null,
      description: profile.description ?? null,
      email: profile.email ?? null,
      vertical: profile.vertical ?? null,
      websites: profile.websites,
      profile_picture_url: profile.profilePictureUrl ?? null,
      display_name: { verified_name: status.verifiedName, name_status: status.nameStatus ?? null },
    };
  }

  mountRoute(
    router,
    routes.requestVerificationCode,
    async ({ params, body }, { caller }) => {
      const { accessToken, phoneNumberId } = await number(params.deployment_id, caller);
      // A code is pointless for a number already on the Cloud API, and Meta limits how many may be asked for.
      const status = await callMeta('Reading the number', () => meta.getPhoneNumberStatus(accessToken, phoneNumberId));
      if (status.status === 'CONNECTED' && status.platformType === 'CLOUD_API') {
        throw new DomainError('number_already_registered', `${status.displayPhoneNumber} is already registered.`);
      }
      await callMeta('Requesting a code', () =>
        meta.requestVerificationCode(accessToken, phoneNumberId, { codeMethod: body.code_method, language: body.language }),
      );
      return { step: 'code_requested' as const, code_method: body.code_method, language: body.language };
    },
    options,
  );
  mountRoute(
    router,
    routes.verifyVerificationCode,
    async ({ params, body }, { caller }) => {
      const { accessToken, phoneNumberId } = await number(params.deployment_id, caller);
      await callMeta('Verifying the code', () => meta.verifyCode(accessToken, phoneNumberId, body.code));
      return { step: 'code_verified' as const };
    },
    options,
  );
  mountRoute(
    router,
    routes.registerNumber,
    async ({ params, body }, { caller }) => {
      const { accessToken, phoneNumberId } = await number(params.deployment_id, caller);
      await callMeta('Registering the number', () => meta.register(accessToken, phoneNumberId, body.pin));
      return { step: 'registered' as const };
    },
    options,
  );
  mountRoute(
    router,
    routes.getBusinessProfile,
    async ({ params }, { caller }) => {
      const { accessToken, phoneNumberId } = await number(params.deployment_id, caller);
      return profileOf(accessToken, phoneNumberId);
    },
    options,
  );
  mountRoute(
    router,
    routes.updateBusinessProfile,
    async ({ params, body }, { caller }) => {
      const { accessToken, phoneNumberId } = await number(params.deployment_id, caller);
      const { profile_picture_handle: profilePictureHandle, ...fields } = body;
      await callMeta('Updating the business profile', () =>
        meta.updateBusinessProfile(accessToken, phoneNumberId, {
          ...fields,
          ...(profilePictureHandle === undefined ? {} : { profilePictureHandle }),
        }),
      );
      return profileOf(accessToken, phoneNumberId);
    },
    options,
  );
  mountRoute(
    router,
    routes.updateProfilePicture,
    async ({ params }, { caller, request }) => {
      const { accessToken, phoneNumberId, deployment } = await number(params.deployment_id, caller);
      const picture = await receivedPicture(request);
      if (deployment.app_id === null) {
        throw new DomainError('meta_app_id_missing', `Deployment ${deployment.id} has no Meta app id.`);
      }
      const appId = deployment.app_id;
      const { handle } = await callMeta('Uploading the profile picture', () =>
        meta.uploadResumable(accessToken, appId, {
          bytes: picture.bytes,
          mimeType: picture.mimeType,
          filename: `profile-picture.${picture.mimeType === 'image/png' ? 'png' : 'jpg'}`,
        }),
      );
      await callMeta('Setting the profile picture', () =>
        meta.updateBusinessProfile(accessToken, phoneNumberId, { profilePictureHandle: handle }),
      );
      return profileOf(accessToken, phoneNumberId);
    },
    options,
    { rawBody: 'stream' },
  );
  mountRoute(
    router,
    routes.getDeploymentHealth,
    async ({ params }, { caller }) => {
      const { accessToken, phoneNumberId, deployment } = await number(params.deployment_id, caller);
      const stored = await readStoredHealth(db, deployment.id, deployment.account_id);
      return deploymentHealth(meta, {
        deploymentId: deployment.id,
        wabaId: deployment.waba_id,
        phoneNumberId,
        accessToken,
        stored,
        now: clock.now(),
      });
    },
    options,
  );
  mountRoute(
    router,
    routes.getWhatsAppLink,
    async ({ params, query }, { caller }) => {
      const deployment = await deploymentOf(params.deployment_id, caller);
      return whatsAppLinkOf(deployment.display_phone_number, query.text);
    },
    options,
  );
  return router;
}
