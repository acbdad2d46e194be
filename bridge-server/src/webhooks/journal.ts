import { writeSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { mkdir, open, readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

/** A signed webhook body accepted for a deployment, as the inbox stores it, and when it was acknowledged. */
export interface JournalRecord {
  deployment_id: string;
  body: Buffer;
  body_sha256: string;
  received_at: Date;
}

/** A segment is closed, and a new one started, once it holds this much: a moved segment is deleted whole. */
const defaultSegmentBytesMax = 16 * 1024 * 1024;
/**
 * Record header: payload length and CRC-32 of the payload, both unsigned 32-bit big-endian. Payload: when it was
 * received (ms since the epoch, float64), the deployment id (length byte, UTF-8), the body's SHA-256 in hex, the body.
 */
const headerBytes = 8;
const segmentName = /^(\d{12})\.journal$/;
const segmentFileName = (id: number) => `${String(id).padStart(12, '0')}.journal`;

interface Segment {
  id: number;
  file: FileHandle;
  bytes: number;
  /** Records written to it and not yet in the database. */
  unmoved: number;
  closed: boolean;
}

interface Pending {
  record: JournalRecord;
  written: () => void;
  failed: (error: unknown) => void;
}

function encode(record: JournalRecord): Buffer {
  const deployment = Buffer.from(record.deployment_id, 'utf8');
  const receivedAt = Buffer.alloc(8);
  receivedAt.writeDoubleBE(record.received_at.getTime());
  const payload = Buffer.concat([
    receivedAt,
    Buffer.from([deployment.length]),
    deployment,
    Buffer.from(record.body_sha256, 'ascii'),
    record.body,
  ]);
  const header = Buffer.alloc(headerBytes);
  header.writeUInt32BE(payload.length, 0);
  header.writeUInt32BE(crc32(payload), 4);
  return Buffer.concat([header, payload]);
}

/** The records of a segment's bytes, up to the first incomplete or corrupt one (a write cut short by a crash). */
export function decodeSegment(bytes: Buffer): { records: JournalRecord[]; intactBytes: number } {
  const records: JournalRecord[] = [];
  let offset = 0;
  while (offset + headerBytes <= bytes.length) {
    const length = bytes.readUInt32BE(offset);
    const end = offset + headerBytes + length;
    if (end > bytes.length) break;
    const payload = bytes.subarray(offset + headerBytes, end);
    if (crc32(payload) !== bytes.readUInt32BE(offset + 4)) break;
    const deploymentLength = payload.readUInt8(8);
    const shaStart = 9 + deploymentLength;
    records.push({
      received_at: new Date(payload.readDoubleBE(0)),
      deployment_id: payload.subarray(9, shaStart).toString('utf8'),
      body_sha256: payload.subarray(shaStart, shaStart + 64).toString('ascii'),
      body: Buffer.from(payload.subarray(shaStart + 64)),
    });
    offset = end;
  }
  return { records, intactBytes: offset };
}

/**
 * The first of `items` whose bodies add up to at most `bytesMax` (at least one item): one statement's worth, so that a
 * batch's memory stays bounded whatever size Meta's bodies are (up to 3 MB each). The processor's claim applies the
 * same rule in SQL, to the stored bodies' lengths.
 */
export function withinBytes<T extends { body: Uint8Array }>(items: readonly T[], bytesMax: number): T[] {
  let bytes = 0;
  let count = 0;
  for (const item of items) {
    bytes += item.body.byteLength;
    if (count > 0 && bytes > bytesMax) break;
    count += 1;
  }
  return items.slice(0, count);
}

/**
 * The embedded bridge's webhook journal. PGlite has one connection, and a batch of webhooks being applied holds it
 * until its commit: storing each webhook in the database before its 200 would make Meta wait for that batch, and
 * for PGlite's WebAssembly (about 1,100 a second here when it ran on the bridge's thread). Instead, accepted bodies
 * are appended to a file, in one write per turn of the event loop (the requests read in that turn share it: group
 * commit, as the inbox does), and each request is answered once its write has returned; the processor then moves
 * them into webhook_events in batches.
 *
 * Durability is PGlite's own: PGlite runs with fsync off, so both survive the bridge process dying (the bytes are
 * in the operating system's page cache) and neither survives the machine losing power. On start, records left in
 * the journal are moved into the database before the bridge listens (a body moved twice is stored once: the
 * inbox's unique key on its hash); a record cut short by a crash was never acknowledged and is dropped.
 *
 * Files are segments named by a sequence number; a segment is deleted once it is closed (full) and every record
 * written to it is in the database.
 */
export class WebhookJournal {
  readonly #segments: Segment[] = [];
  readonly #queue: Pending[] = [];
  /** Written and acknowledged, not yet moved: each with its segment. */
  readonly #unmoved: { record: JournalRecord; segment: Segment }[] = [];
  #writing = false;

  private constructor(
    private readonly directory: string,
    private nextSegmentId: number,
    private readonly segmentBytesMax: number,
  ) {}

  /**
   * Opens the journal in `directory` and returns the records a previous process left in it. Call `recovered` once
   * they are in the database: their segments are deleted then.
   */
  static async open(
    directory: string,
    options: { segmentBytesMax?: number } = {},
  ): Promise<{ journal: WebhookJournal; leftOver: JournalRecord[]; recovered: () => Promise<void> }> {
    await mkdir(directory, { recursive: true });
    const names = (await readdir(directory)).filter((name) => segmentName.test(name)).sort();
    const leftOver: JournalRecord[] = [];
    for (const name of names) leftOver.push(...decodeSegment(await readFile(join(directory, name))).records);
    const lastId = names.length === 0 ? 0 : Number(segmentName.exec(names.at(-1) as string)?.[1]);
    const journal = new WebhookJournal(directory, lastId + 1, options.segmentBytesMax ?? defaultSegmentBytesMax);
    const recovered = async () => {
      for (const name of names) await unlink(join(directory, name));
    };
    return { journal, leftOver, recovered };
  }

  /** Appends the record; resolves once its bytes are written (see the class comment for what that guarantees). */
  append(record: JournalRecord): Promise<void> {
    return new Promise((written, failed) => {
      this.#queue.push({ record, written, failed });
      // Written once this turn of the event loop ends: the requests read in the same turn share one write.
      if (this.#queue.length === 1 && !this.#writing) setImmediate(() => void this.#write());
    });
  }

  /** How many acknowledged records are not yet in the database. */
  get backlog(): number {
    return this.#unmoved.length;
  }

  /** The oldest acknowledged records not yet moved, at most `limit`. */
  peek(limit: number): JournalRecord[] {
    return this.#unmoved.slice(0, limit).map((entry) => entry.record);
  }

  /** The `count` oldest records are committed to the database: forget them, and delete segments wholly moved. */
  async moved(count: number): Promise<void> {
    for (const entry of this.#unmoved.splice(0, count)) entry.segment.unmoved -= 1;
    await this.#deleteMovedSegments();
  }

  /** Closes the files; records not moved stay in them for the next start, and a journal wholly moved is deleted. */
  async close(): Promise<void> {
    while (this.#writing || this.#queue.length > 0) await new Promise((resolve) => setImmediate(resolve));
    for (const segment of this.#segments) segment.closed = true;
    await this.#deleteMovedSegments();
    for (const segment of this.#segments) await segment.file.close();
    this.#segments.length = 0;
  }

  async #write(): Promise<void> {
    if (this.#writing) return;
    this.#writing = true;
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.#queue.length);
        try {
          const bytes = Buffer.concat(batch.map((pending) => encode(pending.record)));
          const segment = await this.#segmentFor(bytes.length);
          // Synchronous: a write into the page cache takes microseconds, less than handing it to the thread pool.
          writeSync(segment.file.fd, bytes, 0, bytes.length, segment.bytes);
          segment.bytes += bytes.length;
          segment.unmoved += batch.length;
          for (const pending of batch) {
            this.#unmoved.push({ record: pending.record, segment });
            pending.written();
          }
        } catch (error) {
          for (const pending of batch) pending.failed(error);
        }
      }
    } finally {
      this.#writing = false;
    }
  }

  /** The segment to append to: the last one, unless it is full (then it is closed and a new one started). */
  async #segmentFor(bytes: number): Promise<Segment> {
    const last = this.#segments.at(-1);
    if (last !== undefined && !last.closed && (last.bytes === 0 || last.bytes + bytes <= this.segmentBytesMax)) return last;
    if (last !== undefined) last.closed = true;
    const id = this.nextSegmentId;
    this.nextSegmentId += 1;
    const file = await open(join(this.directory, segmentFileName(id)), 'wx');
    const segment: Segment = { id, file, bytes: 0, unmoved: 0, closed: false };
    this.#segments.push(segment);
    await this.#deleteMovedSegments();
    return segment;
  }

  async #deleteMovedSegments(): Promise<void> {
    while (this.#segments.length > 0) {
      const first = this.#segments[0] as Segment;
      if (!first.closed || first.unmoved > 0) return;
      this.#segments.shift();
      await first.file.close();
      await unlink(join(this.directory, segmentFileName(first.id)));
    }
  }
}
