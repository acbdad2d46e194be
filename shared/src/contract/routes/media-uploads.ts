import * as z from 'zod';
import { timestamp } from '../common.js';
import { mediaFilename, mediaMimeTypes, mediaUpload } from '../media.js';
import { defineRoute, defineRoutes } from '../route.js';

/*
 * Files attached from the sidebar (issue #15). The helpdesks' proxies carry JSON only: Zendesk says `client.request`
 * "does not support uploading or downloading binary files" (support.zendesk.com/hc/en-us/articles/7696941035546),
 * and Zoho Desk's `ZOHODESK.request` takes a `postBody` object. So the panel asks through the proxy (installation
 * token) for an upload token: short-lived, bound to one installation and its deployment, good for `POST
 * /v1/media/uploads` only. The browser then sends the file's bytes there itself, like the live stream's token
 * (routes/live.ts): the installation token still never reaches the browser.
 */

export const uploadToken = z
  .object({
    token: z.string().meta({ description: 'The upload token (`wbu_…`): for uploading files to this deployment only.' }),
    expires_at: timestamp.meta({ description: 'When the token stops taking uploads.' }),
    upload_url: z
      .string()
      .meta({ description: 'Where the browser POSTs the file: the absolute URL with the token in its query.' }),
    limits: z
      .object({ image: z.number().int(), document: z.number().int(), video: z.number().int(), audio: z.number().int() })
      .meta({ description: 'The largest file of each kind this bridge sends, in bytes (at most Meta’s own limits).' }),
  })
  .meta({ id: 'UploadToken' });

export const tokenUploadQuery = z.strictObject({
  token: z.string().max(1000).meta({ description: 'An upload token from `POST /v1/media/upload-tokens`.' }),
  filename: mediaFilename.optional().meta({
    description: 'The file’s name; its extension must agree with the content. Documents show it to the customer.',
  }),
});

/** Where a browser posts a file with an upload token (the panel finds the bridge's base URL in `upload_url` by it). */
export const uploadMediaWithTokenPath = '/v1/media/uploads';

export const mediaUploadRoutes = defineRoutes({
  createUploadToken: defineRoute({
    method: 'post',
    path: '/v1/media/upload-tokens',
    operationId: 'createUploadToken',
    summary: 'A short-lived token with which a browser uploads a file itself (the helpdesks’ proxies carry no binary body).',
    tag: 'Media',
    auth: 'installation',
    successStatus: 201,
    response: uploadToken,
    problems: ['installation_required'],
  }),
  uploadMediaWithToken: defineRoute({
    method: 'post',
    path: uploadMediaWithTokenPath,
    operationId: 'uploadMediaWithToken',
    summary:
      'Upload a file as `POST /v1/media` does, authorised by an upload token in the query instead of a bearer token ' +
      '(any origin may call it: the token is the credential).',
    tag: 'Media',
    auth: 'none',
    query: tokenUploadQuery,
    rawBody: {
      contentTypes: mediaMimeTypes,
      description: 'The file itself, as for `POST /v1/media`.',
    },
    successStatus: 201,
    response: mediaUpload,
    problems: [
      'upload_token_invalid',
      'validation_failed',
      'media_type_not_allowed',
      'media_too_large',
      'media_content_mismatch',
      'meta_rejected',
      'meta_unavailable',
    ],
  }),
});

export type UploadToken = z.infer<typeof uploadToken>;
