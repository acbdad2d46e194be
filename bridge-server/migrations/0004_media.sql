-- Media messages: files uploaded to Meta through the bridge, and the messages that send them.

CREATE TABLE media_uploads (
  id              text PRIMARY KEY CHECK (id ~ '^med_[0-9a-z]{24}$'),
  deployment_id   text NOT NULL REFERENCES deployments (id),
  installation_id text NOT NULL REFERENCES installations (id),
  meta_media_id   text NOT NULL CHECK (meta_media_id ~ '^[0-9]{1,32}$'),
  kind            text NOT NULL CHECK (kind IN ('image', 'document', 'video', 'audio')),
  mime_type       text NOT NULL,
  -- Meta's largest media (documents) is 100 MB; nothing larger can have been uploaded.
  size_bytes      integer NOT NULL CHECK (size_bytes BETWEEN 1 AND 104857600),
  sha256          text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  filename        text CHECK (char_length(filename) BETWEEN 1 AND 240 AND filename !~ '[/\\[:cntrl:]]'),
  source          text NOT NULL CHECK (source IN ('upload', 'url')),
  created_at      timestamptz(3) NOT NULL DEFAULT now(),
  -- The kind follows from the type, which the bridge reads from the content (shared/src/contract/media.ts).
  CHECK (
    (kind = 'image' AND mime_type IN ('image/jpeg', 'image/png')) OR
    (kind = 'document' AND mime_type = 'application/pdf') OR
    (kind = 'video' AND mime_type IN ('video/mp4', 'video/3gpp')) OR
    (kind = 'audio' AND mime_type IN ('audio/mpeg', 'audio/ogg', 'audio/amr'))
  )
);
COMMENT ON TABLE media_uploads IS 'Files uploaded to Meta (POST /{phone-number-id}/media) for a deployment, by an installation or fetched from a media.url: type read from the content, size, SHA-256, and Meta''s media id, which only that deployment''s number can send and which Meta forgets 30 days after created_at. The bytes are not kept.';
-- Meta issues each media id once; a second row for it would be a bookkeeping error.
CREATE UNIQUE INDEX media_uploads_meta_media_id_key ON media_uploads (deployment_id, meta_media_id);
CREATE INDEX media_uploads_deployment_idx ON media_uploads (deployment_id, created_at);

ALTER TABLE messages ADD COLUMN media_upload_id text REFERENCES media_uploads (id);
ALTER TABLE messages ADD CONSTRAINT messages_media_upload_check CHECK ((kind = 'media') = (media_upload_id IS NOT NULL));
COMMENT ON COLUMN messages.media_upload_id IS 'For media messages: the uploaded file that was sent (its Meta media id).';
