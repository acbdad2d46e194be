import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/storage/database.js';
import { decodeSegment, type JournalRecord, WebhookJournal, withinBytes } from '../src/webhooks/journal.js';
import { WebhookProcessor } from '../src/webhooks/processor.js';

function record(index: number, body = `{"n":${index},"text":"こんにちは"}`): JournalRecord {
  const bytes = Buffer.from(body);
  return {
    deployment_id: `dep_${index % 3}`,
    body: bytes,
    body_sha256: createHash('sha256').update(bytes).digest('hex'),
    received_at: new Date(Date.UTC(2026, 10, 21, 9, 0, index, 123)),
  };
}

describe('the webhook journal', () => {
  let directory: string;
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'wabridge-journal-'));
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  const segments = async () => (await readdir(directory)).filter((name) => name.endsWith('.journal')).sort();

  it('gives back, byte for byte and in order, every record a process acknowledged and never moved', async () => {
    const first = await WebhookJournal.open(directory);
    const records = Array.from({ length: 50 }, (_, index) => record(index));
    await Promise.all(records.map((each) => first.journal.append(each)));
    expect(first.journal.backlog).toBe(50);
    expect(first.journal.peek(3)).toEqual(records.slice(0, 3));
    await first.journal.moved(20);
    // The process dies here (no close): the next one finds all 50, the 20 moved ones too (moving is idempotent).
    const second = await WebhookJournal.open(directory);
    expect(second.leftOver).toEqual(records);
    await second.recovered();
    expect(await segments()).toEqual([]);
    await second.journal.append(record(99));
    expect(await segments()).toEqual(['000000000002.journal']);
    await second.journal.close();
  });

  it('drops a record cut short by a crash, and everything after it in that segment', async () => {
    const { journal } = await WebhookJournal.open(directory);
    for (const index of [0, 1, 2]) await journal.append(record(index));
    const [name] = await segments();
    const path = join(directory, name as string);
    const size = (await readFile(path)).length;
    await truncate(path, size - 5);
    expect(decodeSegment(await readFile(path)).records).toEqual([record(0), record(1)]);
    const bytes = await readFile(path);
    // A flipped byte in the second record (header, time, deployment id with its length, 64-character hash, body).
    const firstRecordBytes = 8 + 8 + 1 + 'dep_0'.length + 64 + record(0).body.length;
    bytes[firstRecordBytes + 30] = (bytes[firstRecordBytes + 30] as number) ^ 0xff;
    await writeFile(path, bytes);
    expect(decodeSegment(bytes).records).toEqual([record(0)]);
    expect((await WebhookJournal.open(directory)).leftOver).toEqual([record(0)]);
  });

  it('starts a new segment when one is full and deletes a segment once all its records are moved', async () => {
    // Each record takes about 210 bytes: two per segment.
    const { journal } = await WebhookJournal.open(directory, { segmentBytesMax: 450 });
    for (let index = 0; index < 6; index += 1) await journal.append(record(index, `{"n":${index},"pad":"${'x'.repeat(100)}"}`));
    const written = await segments();
    expect(written).toHaveLength(3);
    await journal.moved(2);
    expect((await segments()).length).toBe(written.length - 1);
    await journal.moved(4);
    // The last segment stays open for appends until the journal closes with nothing left to move.
    expect(await segments()).toEqual([written.at(-1)]);
    await journal.close();
    expect(await segments()).toEqual([]);
  });

  it('keeps unmoved records on a clean close, for the next start', async () => {
    const { journal } = await WebhookJournal.open(directory);
    await journal.append(record(1));
    await journal.append(record(2));
    await journal.moved(1);
    await journal.close();
    expect((await WebhookJournal.open(directory)).leftOver).toEqual([record(1), record(2)]);
  });

  it('moves at most a batch of bytes at once, and always at least one record', () => {
    const records = [100, 200, 300, 3_000].map((bytes, index) => ({ ...record(index), body: Buffer.alloc(bytes) }));
    expect(withinBytes(records, 300).map((each) => each.body.byteLength)).toEqual([100, 200]);
    expect(withinBytes(records, 600).map((each) => each.body.byteLength)).toEqual([100, 200, 300]);
    // A body larger than the budget still moves, alone.
    expect(withinBytes(records.slice(3), 300).map((each) => each.body.byteLength)).toEqual([3_000]);
    expect(withinBytes([], 300)).toEqual([]);
  });

  it('moves every record once when two moves run at the same time (the loop and a drain)', async () => {
    const database = await openDatabase({ url: undefined, dataDir: 'memory://', poolMax: 1 });
    try {
      const { db } = database;
      await db.insertInto('accounts').values({ id: 'acc_aaaaaaaaaaaaaaaaaaaaaaaa', name: 'Journal' }).execute();
      await db
        .insertInto('deployments')
        .values(
          [0, 1, 2].map((index) => ({
            id: `dep_${index}`.padEnd(28, 'a'),
            account_id: 'acc_aaaaaaaaaaaaaaaaaaaaaaaa',
            display_name: `Journal ${index}`,
            display_phone_number: `+81901234567${index}`,
            waba_id: '12345678',
            phone_number_id: `8765432${index}`,
            business_manager_id: null,
            access_token_sealed: 'v1.x',
            app_secret_sealed: 'v1.x',
            verify_token_sealed: 'v1.x',
          })),
        )
        .execute();
      const { journal } = await WebhookJournal.open(directory);
      const records = Array.from({ length: 10 }, (_, index) => ({
        ...record(index),
        deployment_id: `dep_${index % 3}`.padEnd(28, 'a'),
      }));
      for (const each of records) await journal.append(each);
      const processor = new WebhookProcessor(db, pino({ level: 'silent' }), { journal });
      // Each peeks before the other has stored its records: without one move at a time, both took records 0–4, and
      // forgetting 5 twice dropped records 5–9, acknowledged to Meta and never stored.
      expect(await Promise.all([processor.moveFromJournal(5), processor.moveFromJournal(5)])).toEqual([5, 5]);
      expect(journal.backlog).toBe(0);
      const stored = await db.selectFrom('webhook_events').select('body_sha256').orderBy('id').execute();
      expect(stored.map((row) => row.body_sha256)).toEqual(records.map((each) => each.body_sha256));
      await journal.close();
    } finally {
      await database.close();
    }
  });
});
