-- A deployment's Meta app id (issue #14: the profile picture). Meta's Resumable Upload API opens an upload session on
-- the app (`POST /{app-id}/uploads`), and a picture's handle is what the business profile takes: without the app id a
-- number's picture cannot be changed. Not a secret (it is in every app's public URLs), so it is stored in clear.
-- Nullable: deployments made before it was asked for have none until an admin sets it.

ALTER TABLE deployments ADD COLUMN app_id text CHECK (app_id ~ '^[0-9]{5,32}$');
COMMENT ON COLUMN deployments.app_id IS 'The Meta app (App settings → Basic → App ID) whose token and secret the deployment holds; its Resumable Upload sessions carry the profile picture. Null until an admin gives it.';
