import type { Readable, Transform } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { ConsentCsvReader, type ConsentCsvResult, topicIds } from '@wabridge/shared';
import type { Request } from 'express';
import type { Kysely } from 'kysely';
import { DomainError } from '../domain/errors.js';
import { requestReadingProblem } from '../http/request-errors.js';
import type { Schema } from '../storage/schema.js';
import { appendConsents, businessNamesOf, type ConsentReferences, loadOptinSettings } from './store.js';

/*
 * `POST /v1/consents/import`, read as it arrives. The file is never held whole: each piece off the network is
 * decoded, parsed and validated (`ConsentCsvReader`), which keeps the valid rows (at most 100,000) and stops
 * parsing as soon as the file cannot succeed (a bad header, too many rows or lines). Between pieces the event
 * loop serves other requests. Once the file is refused, the rest of the body is read and dropped, not parsed,
 * the way body-parser drains a body over its limit, so that the client reads the answer instead of a reset
 * connection. Before (issue 16), the body was buffered, decoded and split whole: 2 MB of blank lines took 4 s
 * and 866 MB, and 30 MB ran the bridge out of memory.
 */

/** The largest import: 100,000 rows (shared/src/optin/csv.ts) of a few hundred bytes each, after decompression. */
const importBodyLimitBytes = 50 * 1024 * 1024;
/**
 * Rows per INSERT of an import. PostgreSQL takes ~100,000 rows/s at 250 rows a statement (test/BENCHMARKS.md),
 * and embedded PGlite runs each statement on the event loop itself: 2,000 rows a statement held it for most of
 * a second, 250 for a tenth. Between statements other requests get their turn.
 */
const importBatchRows = 250;

/**
 * Bytes parsed before other requests get their turn. Validating a row costs up to ~0.2 ms on this 2-core
 * machine (the phone number's rules, mostly) and a row is ~100 bytes, so 8 KiB is ~15 ms of work; a blank
 * line costs a few microseconds, so 8 KiB of them ~40 ms at worst. A 64 KiB network piece parsed at once
 * held the event loop for up to half a second.
 */
const parsedBytesPerTurn = 8 * 1024;

/**
 * Validates the file in the request and stores all its consents in one transaction, or none. `references` names the
 * installation and deployment that sent it; an import from the console (an administrator) has neither.
 */
export async function importConsents(
  db: Kysely<Schema>,
  accountId: string,
  references: ConsentReferences,
  request: Request,
): Promise<{ imported: number }> {
  const settings = await loadOptinSettings(db, accountId);
  const reader = new ConsentCsvReader({
    businessNames: await businessNamesOf(db, accountId, settings.configuredBusinessNames),
    knownTopics: topicIds(settings.configuration),
    now: new Date(),
  });
  const parsed = await readInto(reader, request);
  if (!parsed.ok) {
    const first = parsed.errors.slice(0, 3).map((error) => `line ${error.line}: ${error.message}`);
    throw new DomainError('invalid_consent_file', `${parsed.errorCount} problem(s), nothing imported: ${first.join('; ')}`, {
      errors: parsed.errors,
    });
  }
  await db.transaction().execute(async (transaction) => {
    for (let start = 0; start < parsed.rows.length; start += importBatchRows) {
      await appendConsents(transaction, accountId, '', parsed.rows.slice(start, start + importBatchRows), references);
      await nextTurn();
    }
  });
  return { imported: parsed.rows.length };
}

/** Feeds the body to `reader` piece by piece, within the size limit, and returns what it made of the file. */
async function readInto(reader: ConsentCsvReader, request: Request): Promise<ConsentCsvResult> {
  const declaredBytes = Number(request.headers['content-length']);
  if (declaredBytes > importBodyLimitBytes) throw tooLarge();
  const body = decodedBody(request);
  let receivedBytes = 0;
  let parsing = true;
  try {
    for await (const piece of body as AsyncIterable<Buffer>) {
      receivedBytes += piece.length;
      if (receivedBytes > importBodyLimitBytes) parsing = false;
      for (let offset = 0; parsing && offset < piece.length; offset += parsedBytesPerTurn) {
        parsing = reader.write(piece.subarray(offset, offset + parsedBytesPerTurn));
        await nextTurn();
      }
    }
  } catch (error) {
    throw requestReadingProblem(error) ?? error;
  }
  if (receivedBytes > importBodyLimitBytes) throw tooLarge();
  return reader.end();
}

function tooLarge(): DomainError {
  return new DomainError('payload_too_large', `A consent file may be at most ${importBodyLimitBytes} bytes; split it.`);
}

/** The decompressors body-parser offers for a Content-Encoding, which this route accepts as well. */
const decompressors: Record<string, () => Transform> = {
  gzip: createGunzip,
  'x-gzip': createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
};

/** The body with its Content-Encoding undone. */
function decodedBody(request: Request): Readable {
  const encoding = (request.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding === 'identity') return request;
  const decompressor = decompressors[encoding]?.();
  if (decompressor === undefined) {
    throw new DomainError(
      'unsupported_content_encoding',
      `Send the file uncompressed, or as gzip, deflate or br (not ${encoding}).`,
    );
  }
  request.on('error', (error) => decompressor.destroy(error));
  return request.pipe(decompressor);
}
