import { type BusinessProfile, type Deployment, profilePictureBytesMax, profilePictureMimeTypes } from '@wabridge/shared';
import { Button } from '@zendeskgarden/react-buttons';
import { Field, Input } from '@zendeskgarden/react-forms';
import { Alert } from '@zendeskgarden/react-notifications';
import { MD } from '@zendeskgarden/react-typography';
import { useId, useState } from 'react';
import { bridge, errorText } from './api.js';
import { type Key, useT } from './i18n.js';

type Message = { tone: 'success' | 'error'; key: Key } | { tone: 'error'; thrown: unknown };

/** Meta's app ids are numeric Graph ids (the contract's `metaObjectId`). */
const appIdPattern = /^[0-9]{5,32}$/;

/**
 * The number's profile picture: the current one as Meta serves it, and a new one uploaded through the bridge
 * (`PUT …/profile/picture`, which passes it to Meta's Resumable Upload API). The type and size are checked here
 * first, as the bridge checks them; a deployment without its Meta app id asks for it before anything else.
 */
export function ProfilePicture({
  deployment,
  profile,
  onChanged,
}: {
  deployment: Deployment;
  profile: BusinessProfile;
  onChanged: (profile: BusinessProfile) => void;
}) {
  const i18n = useT();
  const [appId, setAppId] = useState(deployment.app_id);
  const [typedAppId, setTypedAppId] = useState('');
  const [file, setFile] = useState<File>();
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<Message>();
  const params = { deployment_id: deployment.id };
  const fileInputId = useId();

  const saveAppId = async () => {
    setMessage(undefined);
    if (!appIdPattern.test(typedAppId.trim())) {
      setMessage({ tone: 'error', key: 'profile.appIdInvalid' });
      return;
    }
    try {
      setAppId((await bridge.call('updateDeployment', { params, body: { app_id: typedAppId.trim() } })).app_id);
    } catch (thrown) {
      setMessage({ tone: 'error', thrown });
    }
  };

  const upload = async () => {
    setMessage(undefined);
    if (file === undefined) return;
    if (!(profilePictureMimeTypes as readonly string[]).includes(file.type)) {
      setMessage({ tone: 'error', key: 'profile.pictureWrongType' });
      return;
    }
    if (file.size > profilePictureBytesMax) {
      setMessage({ tone: 'error', key: 'profile.pictureTooLarge' });
      return;
    }
    setBusy(true);
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      onChanged(await bridge.call('updateProfilePicture', { params, rawBody: { bytes, contentType: file.type } }));
      setMessage({ tone: 'success', key: 'profile.pictureUploaded' });
    } catch (thrown) {
      setMessage({ tone: 'error', thrown });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section data-testid="profile-picture" style={{ display: 'flex', gap: 16, flexWrap: 'wrap', alignItems: 'flex-start' }}>
      {profile.profile_picture_url === null ? (
        <MD data-testid="picture-none">{i18n.t('profile.pictureNone')}</MD>
      ) : (
        <img
          src={profile.profile_picture_url}
          alt={i18n.t('profile.pictureAlt')}
          width={96}
          height={96}
          style={{ borderRadius: '50%', objectFit: 'cover', border: '1px solid #d8dcde' }}
          data-testid="picture"
        />
      )}
      <div style={{ flex: 1, minWidth: 240 }}>
        {appId === null ? (
          // Not a form of its own: this section sits inside the profile's form, and forms do not nest.
          <div>
            <MD>{i18n.t('profile.appIdNeeded')}</MD>
            <Field style={{ marginTop: 8 }}>
              <Field.Label>{i18n.t('profile.appId')}</Field.Label>
              <Input
                name="app_id"
                inputMode="numeric"
                value={typedAppId}
                onChange={(event) => setTypedAppId(event.target.value)}
              />
            </Field>
            <Button type="button" size="small" style={{ marginTop: 8 }} onClick={() => void saveAppId()}>
              {i18n.t('profile.appIdSave')}
            </Button>
          </div>
        ) : (
          <div>
            {/* Garden has no file input: a native one, labelled natively. */}
            <label htmlFor={fileInputId} style={{ fontWeight: 600, display: 'block' }}>
              {i18n.t('profile.pictureChoose')}
            </label>
            <input
              id={fileInputId}
              type="file"
              name="picture"
              accept={profilePictureMimeTypes.join(',')}
              style={{ display: 'block', marginTop: 8 }}
              onChange={(event) => setFile(event.target.files?.[0])}
            />
            <Button
              type="button"
              size="small"
              style={{ marginTop: 8 }}
              disabled={file === undefined || busy}
              onClick={() => void upload()}
            >
              {i18n.t(busy ? 'profile.pictureUploading' : 'profile.pictureUpload')}
            </Button>
          </div>
        )}
        {message !== undefined && (
          <Alert type={message.tone} role={message.tone === 'error' ? 'alert' : 'status'} style={{ marginTop: 8 }}>
            {'key' in message ? i18n.t(message.key) : errorText(i18n.locale, message.thrown)}
          </Alert>
        )}
      </div>
    </section>
  );
}
