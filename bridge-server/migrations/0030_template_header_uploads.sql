-- A template whose media header is one of the bridge's uploads (issue 15: the panel uploads the header's file and sends
-- it as `{upload_id}`) records that upload too, as a media message does: the upload then counts as sent (never discarded
-- as an orphan, media/store.ts) and the helpdesk's conversation carries the file. A text message still has none and a
-- media message still exactly one.
ALTER TABLE messages DROP CONSTRAINT messages_media_upload_check;
ALTER TABLE messages ADD CONSTRAINT messages_media_upload_check
  CHECK ((kind <> 'media' OR media_upload_id IS NOT NULL) AND (kind <> 'text' OR media_upload_id IS NULL));
COMMENT ON COLUMN messages.media_upload_id IS
  'The uploaded file that was sent (its Meta media id): a media message''s file, or a template''s media header given as an upload.';
