import { useRef, useState } from 'react';
import type { MediaKind, MediaUpload } from '../../contract/media.js';
import { type BridgeApi, type BridgeError, bridgeErrorOf } from '../api.js';
import { useResource } from '../data/useResource.js';
import { checkFile, type FileCheck } from './model.js';

/** How long before its expiry an upload token is asked for again rather than used: an upload takes a while. */
const tokenMarginMs = 30_000;

/**
 * A file the agent chose and its upload to the bridge, for a reply's attachment or a template's media header. The
 * upload is made once per file: a retry after an unknown outcome sends the same upload (the same request, so the same
 * Idempotency-Key), never a second copy. The upload token is asked for while `open` (it carries the limits the picker
 * shows) and again before an upload once it is about to expire. `kind` limits the files to one kind (a header's).
 */
export function useFileUpload(api: BridgeApi, open: boolean, kind?: MediaKind) {
  const [file, setFile] = useState<File | null>(null);
  const [uploading, setUploading] = useState(false);
  const [error, setError] = useState<BridgeError | null>(null);
  const uploaded = useRef<{ file: File; upload: MediaUpload } | null>(null);
  const token = useResource(open ? 'upload-token' : null, () => api.uploadToken());
  const check: FileCheck | null = file === null || token.state !== 'ready' ? null : checkFile(file, token.data.limits, kind);

  const choose = (next: File | null) => {
    setFile(next);
    setError(null);
  };
  /** The chosen file's upload, made now if it was not yet; undefined when it cannot be (the error says why). */
  const upload = async (): Promise<MediaUpload | undefined> => {
    if (file === null || token.state !== 'ready' || check?.ok !== true) return undefined;
    if (uploaded.current?.file === file) return uploaded.current.upload;
    setUploading(true);
    setError(null);
    try {
      const fresh = Date.parse(token.data.expires_at) - Date.now() > tokenMarginMs ? token.data : await api.uploadToken();
      const made = await api.upload(fresh, file);
      uploaded.current = { file, upload: made };
      return made;
    } catch (thrown) {
      setError(bridgeErrorOf(thrown));
      return undefined;
    } finally {
      setUploading(false);
    }
  };
  return { file, token, check, uploading, error, choose, upload };
}
