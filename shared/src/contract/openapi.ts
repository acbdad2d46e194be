import { createDocument, type oas31, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject } from 'zod-openapi';
import { problemCatalogue, problemCodes } from '../errors.js';
import { problem } from './common.js';
import type { RouteDefinition } from './route.js';
import { routes } from './routes.js';

/** Problems any authenticated route may answer, documented once per operation. */
const authenticationProblems = ['unauthorized', 'invalid_token', 'token_revoked', 'too_many_auth_failures'] as const;

function problemResponses(route: RouteDefinition) {
  const codes = new Set([...route.problems, 'internal_error' as const, 'database_unavailable' as const]);
  if (route.auth !== 'none') for (const code of authenticationProblems) codes.add(code);
  if (route.auth === 'admin') codes.add('admin_required');
  if (route.body !== undefined)
    for (const code of ['invalid_json', 'unsupported_media_type', 'payload_too_large'] as const) codes.add(code);
  const byStatus = new Map<number, string[]>();
  for (const code of codes) {
    const { status } = problemCatalogue[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries(
    [...byStatus].map(([status, statusCodes]) => [
      String(status),
      {
        description: `Problem: ${statusCodes.map((code) => `\`${code}\``).join(', ')}`,
        content: { 'application/problem+json': { schema: problem } },
      },
    ]),
  );
}

/** A file body: any of the content types, as bytes (OpenAPI 3.1 describes raw content with `contentMediaType`). */
function rawRequestBody(rawBody: NonNullable<RouteDefinition['rawBody']>) {
  const types = [...rawBody.contentTypes, 'application/octet-stream'];
  return {
    required: true,
    description: rawBody.description,
    content: Object.fromEntries(types.map((type) => [type, { schema: { type: 'string', contentMediaType: type } }])),
  };
}

function operation(route: RouteDefinition): ZodOpenApiOperationObject {
  const success = route.response
    ? { description: route.summary, content: { 'application/json': { schema: route.response } } }
    : route.csvResponse
      ? {
          description: route.summary,
          content: { 'text/csv': { schema: { type: 'string', description: route.csvResponse.description } } },
        }
      : { description: route.summary };
  return {
    operationId: route.operationId,
    summary: route.summary,
    tags: [route.tag],
    security: route.auth === 'none' ? [] : [{ bearer: [] }],
    requestParams: {
      ...(route.params ? { path: route.params } : {}),
      ...(route.query ? { query: route.query } : {}),
      ...(route.headers ? { header: route.headers } : {}),
    },
    ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: route.body } } } } : {}),
    ...(route.rawBody ? { requestBody: rawRequestBody(route.rawBody) } : {}),
    responses: { [String(route.successStatus)]: success, ...problemResponses(route) },
  } as ZodOpenApiOperationObject;
}

/**
 * The OpenAPI 3.1 document of the bridge API, generated from the zod contract (the bridge serves it
 * at `GET /openapi.json`). `serverUrl` is the bridge's public URL.
 */
export function buildOpenApiDocument(options: { serverUrl: string; version: string }): oas31.OpenAPIObject {
  const paths: ZodOpenApiPathsObject = {};
  for (const route of Object.values(routes) as RouteDefinition[]) {
    paths[route.path] = { ...paths[route.path], [route.method]: operation(route) };
  }
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'wabridge bridge API',
      version: options.version,
      description:
        'WhatsApp for helpdesks. Authenticate with `Authorization: Bearer <token>`: the administrator token, or an ' +
        `installation token. Errors are RFC 9457 problem details with a stable \`code\` (${problemCodes.length} codes; ` +
        'see `/problems/{code}`). Generated from the zod contract in shared/src/contract.',
    },
    servers: [{ url: options.serverUrl }],
    paths,
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
  });
}
