/**
 * Reads what `ZOHODESK.request` resolves with. Zoho documents no exact shape, so this is tolerant of each one seen
 * in extensions that run against Zoho Desk (sources in zoho-extension/README.md, "What Zoho answers"):
 * - a JSON *string* envelope `{"statusCode": 404, "response": "…", "responseHeaders": {…}}`, resolved for every
 *   HTTP status, 4xx and 5xx included;
 * - the same envelope as an object;
 * - `response` holding the body itself (a JSON string, or already parsed), or wrapping it once more as
 *   `{statusMessage: <body>}`.
 * An answer without a usable status is not guessed at: the caller treats it as "the bridge was not reached".
 */
export interface ZohoHttpAnswer {
  status: number;
  body: unknown;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function parseMaybeJson(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  if (text === '') return null;
  if (!/^[[{"]/.test(text)) return value;
  try {
    return JSON.parse(text);
  } catch {
    return value;
  }
}

function statusOf(value: Record<string, unknown>): number | null {
  for (const key of ['statusCode', 'status']) {
    const candidate = typeof value[key] === 'string' ? Number(value[key]) : value[key];
    if (typeof candidate === 'number' && Number.isInteger(candidate) && candidate >= 100 && candidate <= 599) return candidate;
  }
  return null;
}

/** The HTTP status and parsed body inside a Zoho answer, or null when the answer carries no HTTP status. */
export function readZohoAnswer(answer: unknown): ZohoHttpAnswer | null {
  const envelope = parseMaybeJson(answer);
  if (!isObject(envelope)) return null;
  let status = statusOf(envelope);
  let body = 'response' in envelope ? parseMaybeJson(envelope.response) : undefined;
  if (isObject(body) && 'statusMessage' in body) {
    status ??= statusOf(body);
    body = parseMaybeJson(body.statusMessage);
  }
  if (status === null) return null;
  return { status, body: body === undefined || body === '' ? null : body };
}
