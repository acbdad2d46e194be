import type { CreateDeploymentRequest } from '@wabridge/shared';
import { DomainError } from '../domain/errors.js';
import type { MetaGraphClient } from '../meta/client.js';
import { isAppSecretProofRefused, isInvisibleObject, numberProblemOf } from './meta-problems.js';

/**
 * Checks a new deployment's credentials with Meta before anything is stored, so that a wrong token is a 422 now
 * rather than a 201 whose every call fails later with error 190:
 *
 * 1. `GET /{phone-number-id}` with the token and an `appsecret_proof`: the token is valid (190 otherwise), it may read
 *    the number (100/33 otherwise), and the app secret is the secret of the token's app (Graph refuses a proof made
 *    with another secret).
 * 2. `GET /{waba-id}/phone_numbers`: the token may read the WABA (100/33 otherwise) and the number is one of its
 *    numbers; webhooks arrive per WABA, so a number filed under the wrong WABA would never hear from its customers.
 *
 * The webhook subscription (`/{waba-id}/subscribed_apps`) is not required here: subscribing, and pasting the
 * webhook URL this answer gives, are the admin's next steps; the deployment's health reports it until done.
 */
export async function checkDeploymentCredentials(meta: MetaGraphClient, request: CreateDeploymentRequest): Promise<void> {
  const { access_token: token, app_secret: appSecret, phone_number_id: phoneNumberId, waba_id: wabaId } = request;
  try {
    await meta.getPhoneNumberStatus(token, phoneNumberId, { appSecret });
  } catch (error) {
    if (isAppSecretProofRefused(error)) {
      throw new DomainError('meta_app_secret_invalid', 'Meta refused the app secret for this access token.', {
        errors: [{ path: 'body.app_secret', code: 'meta_app_secret_invalid', message: 'not the secret of the token’s app' }],
      });
    }
    if (isInvisibleObject(error)) {
      throw new DomainError('phone_number_not_accessible', `The access token cannot read phone number id ${phoneNumberId}.`, {
        errors: [{ path: 'body.phone_number_id', code: 'phone_number_not_accessible', message: 'not visible to this token' }],
      });
    }
    throw numberProblemOf(error, 'Checking the access token with Meta');
  }
  let found: boolean;
  try {
    found = await meta.wabaHasPhoneNumber(token, wabaId, phoneNumberId);
  } catch (error) {
    if (isInvisibleObject(error)) {
      throw new DomainError('waba_not_accessible', `The access token cannot read WhatsApp Business Account ${wabaId}.`, {
        errors: [{ path: 'body.waba_id', code: 'waba_not_accessible', message: 'not visible to this token' }],
      });
    }
    throw numberProblemOf(error, 'Reading the WhatsApp Business Account’s numbers');
  }
  if (!found) {
    throw new DomainError('phone_number_not_in_waba', `Phone number id ${phoneNumberId} is not a number of WABA ${wabaId}.`, {
      errors: [{ path: 'body.phone_number_id', code: 'phone_number_not_in_waba', message: `not a number of WABA ${wabaId}` }],
    });
  }
}
