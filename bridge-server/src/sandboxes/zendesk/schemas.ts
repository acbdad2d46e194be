import * as z from 'zod';

/**
 * What Zendesk's Channel framework accepts from an integration, as zod schemas. Limits come from the developer
 * documentation and from Zendesk's published JSON schemas (github.com/zendesk/any_channel_json_schemas, read, not
 * copied); where the two disagree the sandbox follows the documentation and says so. See ../README.md.
 */

/** Documented limit of `metadata` and `state` ("Max chars 5000"). */
export const metadataCharactersMax = 5_000;
/** Documented `message` limit, the same for pushed resources and channelback. */
export const messageCharactersMax = 65_535;
/** The push reference documents at most 10 `file_urls` per resource (the JSON schema allows 64). */
export const fileUrlsPerResourceMax = 10;
/** The pull documentation: "an ordered array of up to 200 external resources" (the JSON schema allows 256). */
export const pulledResourcesMax = 200;
/** Zendesk's push_parameters schema: at most 256 resources per push. */
export const pushedResourcesMax = 256;

/**
 * The `external-id` format: 1 to 255 characters, ASCII only ("Must be ASCII characters"), and no leading or
 * trailing whitespace (the JSON schemas' custom format).
 */
export function externalIdSchema(charactersMax = 255) {
  return z
    .string()
    .min(1)
    .max(charactersMax)
    .refine((value) => [...value].every((character) => character.charCodeAt(0) <= 0x7f), 'must be ASCII characters')
    .refine((value) => value.trim() === value, 'must not start or end with whitespace');
}

/** Zendesk requires https URLs (the schemas' `https-url` format); a local sandbox may allow http for tests and demos. */
function urlSchema(allowPlainHttp: boolean, charactersMax = 511) {
  return z
    .string()
    .max(charactersMax)
    .refine(
      (value) => {
        try {
          const protocol = new URL(value).protocol;
          return protocol === 'https:' || (allowPlainHttp && protocol === 'http:');
        } catch {
          return false;
        }
      },
      allowPlainHttp ? 'must be an http(s) URL' : 'must be an https URL',
    );
}

/** ISO 8601 extended date-time, e.g. 2015-09-08T22:48:09Z. */
const dateTimeSchema = z.iso.datetime({ offset: true }).max(255);

const fieldValueSchema = z.object({ id: z.union([z.int(), z.string().min(1).max(255)]), value: z.unknown() });

export function zendeskSchemas(allowPlainHttp: boolean) {
  const manifest = z.object({
    name: z.string().min(1).max(255),
    id: z.string().min(1).max(511),
    version: z.string().min(1).max(255).optional(),
    author: z.string().min(1).max(255).optional(),
    push_client_id: z.string().min(1).max(128).optional(),
    channelback_files: z.boolean().optional(),
    create_followup_tickets: z.boolean().optional(),
    urls: z.object({
      admin_ui: urlSchema(allowPlainHttp),
      pull_url: urlSchema(allowPlainHttp).optional(),
      channelback_url: urlSchema(allowPlainHttp).optional(),
      clickthrough_url: urlSchema(allowPlainHttp).optional(),
      healthcheck_url: urlSchema(allowPlainHttp).optional(),
      about_url: urlSchema(allowPlainHttp).optional(),
      dashboard_url: urlSchema(allowPlainHttp).optional(),
      event_callback_url: urlSchema(allowPlainHttp).optional(),
    }),
  });

  const author = z.object({
    external_id: externalIdSchema(),
    name: z.string().min(1).max(255).optional(),
    image_url: z.string().min(1).max(511).optional(),
    locale: z.string().min(1).max(255).optional(),
    fields: z.array(fieldValueSchema).max(64).optional(),
  });

  const externalResource = z
    .object({
      external_id: externalIdSchema(),
      internal_note: z.boolean().optional(),
      message: z.string().min(1).max(messageCharactersMax),
      html_message: z.string().min(1).max(messageCharactersMax).optional(),
      parent_id: externalIdSchema(511).optional(),
      thread_id: externalIdSchema(255).optional(),
      created_at: dateTimeSchema,
      author,
      display_info: z
        .array(z.object({ type: z.string().min(1).max(255), data: z.unknown() }))
        .max(16)
        .optional(),
      allow_channelback: z.boolean().optional(),
      fields: z.array(fieldValueSchema).max(64).optional(),
      file_urls: z.array(urlSchema(allowPlainHttp)).max(fileUrlsPerResourceMax).optional(),
    })
    .refine((resource) => resource.parent_id === undefined || resource.thread_id === undefined, {
      message: 'may include parent_id or thread_id, but not both',
      path: ['thread_id'],
    });

  const push = z.object({
    instance_push_id: z.string().min(1).max(255),
    request_id: z.string().min(1).max(64).optional(),
    external_resources: z.array(externalResource).max(pushedResourcesMax),
  });

  const pullAnswer = z.object({
    external_resources: z.array(externalResource).max(pulledResourcesMax),
    state: z.string().max(metadataCharactersMax).optional(),
    metadata_needs_update: z.boolean().optional(),
    metadata: z.string().max(metadataCharactersMax).optional(),
  });

  const channelbackAnswer = z.object({
    external_id: externalIdSchema(),
    allow_channelback: z.boolean().optional(),
    metadata_needs_update: z.boolean().optional(),
    metadata: z.string().max(metadataCharactersMax).optional(),
  });

  const reportChannelbackError = z.object({
    instance_push_id: z.string().min(1).max(255),
    external_id: externalIdSchema(),
    request_id: z.string().min(1).max(64).optional(),
    description: z.string().max(511).optional(),
  });

  const validateToken = z.object({ instance_push_id: z.string().min(1).max(255), request_id: z.string().max(64).optional() });

  return { manifest, externalResource, push, pullAnswer, channelbackAnswer, reportChannelbackError, validateToken };
}

export type ZendeskSchemas = ReturnType<typeof zendeskSchemas>;
export type Manifest = z.infer<ZendeskSchemas['manifest']>;
export type ExternalResource = z.infer<ZendeskSchemas['externalResource']>;

/** The admin UI's post-back to `return_url`: `name` and `metadata` (required), `state` (optional). */
export const returnPostSchema = z.object({
  name: z.string().min(1).max(255),
  metadata: z.string().max(metadataCharactersMax),
  state: z.string().max(metadataCharactersMax).optional(),
});

/** Zod issues as `path: message` strings keyed the way Zendesk's RecordInvalid details are (one list per field). */
export function issueDetails(error: z.ZodError): Record<string, { description: string }[]> {
  const details: Record<string, { description: string }[]> = {};
  for (const issue of error.issues) {
    const path = issue.path
      .map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`))
      .join('')
      .replace(/^\./, '');
    const key = path === '' ? 'base' : path;
    details[key] ??= [];
    details[key].push({ description: issue.message });
  }
  return details;
}
