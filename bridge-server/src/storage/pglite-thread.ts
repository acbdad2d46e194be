import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { serialize } from 'pg-protocol';
import type { BackendMessage } from 'pg-protocol/dist/messages.js';
import { Parser } from 'pg-protocol/dist/parser.js';

/**
 * Embedded PGlite on a thread of its own (issue 16). PGlite is PostgreSQL compiled to WebAssembly: on the bridge's
 * thread its SQL took most of that thread (63% on the panel's status read), and the same thread takes Meta's webhooks
 * in, answers the panels and applies webhooks. This machine has two cores; the second was idle. Here the
 * WebAssembly runs in a worker thread and the bridge's thread only encodes and decodes PostgreSQL's wire protocol:
 * node-postgres's client talks to it as to a server (PGliteThreadConnection below), one batch of messages per
 * exchange, as it would write them to a socket.
 *
 * The worker is CommonJS evaluated from source (`workerSource`), so the same file runs from TypeScript under the tests
 * and from the build: it needs nothing but PGlite, whose CommonJS build it loads by path.
 */

/** What the worker runs: opens PGlite in `dataDir`, then runs each batch of protocol bytes it is sent, in order. */
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const { inspect } = require('node:util');
const { PGlite } = require(workerData.pglitePath);
// PGlite throws things that are not Errors too (objects from the WebAssembly): say what they hold.
const describe = (error) => (error instanceof Error ? String(error.stack || error) : inspect(error, { depth: 4 }));
let queue = PGlite.create(workerData.dataDir).then(
  (pglite) => {
    parentPort.postMessage({ kind: 'ready' });
    return pglite;
  },
  (error) => {
    parentPort.postMessage({ kind: 'failed', message: describe(error) });
    return undefined;
  },
);
parentPort.on('message', (message) => {
  queue = queue.then(async (pglite) => {
    if (pglite === undefined) return undefined;
    if (message.kind === 'close') {
      await pglite.close();
      parentPort.postMessage({ kind: 'closed' });
      return undefined;
    }
    try {
      const bytes = await pglite.execProtocolRaw(message.bytes);
      parentPort.postMessage({ kind: 'answer', bytes }, [bytes.buffer]);
    } catch (error) {
      parentPort.postMessage({ kind: 'failed', message: describe(error) });
    }
    return pglite;
  });
});
`;

/** How long `close` waits for PGlite to finish its statement and close. */
const closeDeadlineMs = 10_000;

type FromWorker =
  | { kind: 'ready' }
  | { kind: 'answer'; bytes: Uint8Array }
  | { kind: 'failed'; message: string }
  | { kind: 'closed' };

/** PGlite's CommonJS entry point, for the worker to require. */
function pglitePath(): string {
  return createRequire(import.meta.url).resolve('@electric-sql/pglite');
}

/** A PGlite database opened in its own worker thread. */
export class PGliteThread {
  readonly #worker: Worker;
  readonly #ready: Promise<void>;
  readonly #closed: Promise<void>;
  #onAnswer: ((bytes: Uint8Array) => void) | undefined;
  #onFailure: ((error: Error) => void) | undefined;
  #failure: Error | undefined;

  private constructor(dataDir: string) {
    this.#worker = new Worker(workerSource, { eval: true, workerData: { dataDir, pglitePath: pglitePath() } });
    let ready!: () => void;
    let notReady!: (error: Error) => void;
    this.#ready = new Promise<void>((resolve, reject) => {
      ready = resolve;
      notReady = reject;
    });
    let closed!: () => void;
    this.#closed = new Promise<void>((resolve) => {
      closed = resolve;
    });
    // The first failure is the one to report: an 'error' is followed by the thread's 'exit'.
    const fail = (error: Error) => {
      if (this.#failure !== undefined) return;
      this.#failure = error;
      notReady(error);
      this.#onFailure?.(error);
    };
    this.#worker.on('message', (message: FromWorker) => {
      if (message.kind === 'ready') ready();
      else if (message.kind === 'answer') this.#onAnswer?.(message.bytes);
      else if (message.kind === 'failed') fail(new Error(`the embedded database failed: ${message.message}`));
      else closed();
    });
    this.#worker.on('error', fail);
    this.#worker.on('exit', (code) => {
      closed();
      fail(new Error(`the embedded database's thread ended (exit code ${code})`));
    });
  }

  /** Opens PGlite in `dataDir` (a directory, or `memory://`) on a new thread; resolves once it answers. */
  static async open(dataDir: string): Promise<PGliteThread> {
    const thread = new PGliteThread(dataDir);
    try {
      await thread.#ready;
    } catch (error) {
      await thread.#worker.terminate();
      throw error;
    }
    return thread;
  }

  /** Where answers and failures go: the one connection that talks to this database. */
  attach(onAnswer: (bytes: Uint8Array) => void, onFailure: (error: Error) => void): void {
    this.#onAnswer = onAnswer;
    this.#onFailure = onFailure;
  }

  /** Sends protocol messages; their answer comes to `attach`'s `onAnswer`, in the order they were sent. */
  send(bytes: Uint8Array): void {
    if (this.#failure !== undefined) throw this.#failure;
    this.#worker.postMessage({ kind: 'exec', bytes }, [bytes.buffer as ArrayBuffer]);
  }

  /**
   * Closes PGlite (its files consistent on disk), then ends the thread. PGlite closes after the statement it is running:
   * one that is still running after `deadlineMs` (a runaway query) is not waited for, and the thread is ended as a
   * crash would end it (on disk, PGlite then recovers at its next start, as after kill -9).
   */
  async close(deadlineMs = closeDeadlineMs): Promise<void> {
    // A client still waiting for an answer (not ended first) is told of the thread's end, and fails what it waits for.
    if (this.#failure === undefined) {
      this.#worker.postMessage({ kind: 'close' });
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.#closed,
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, deadlineMs);
        }),
      ]);
      clearTimeout(timer);
    }
    await this.abort();
  }

  /** Ends the thread at once, whatever it is doing: what a crash of the thread does (also for tests). */
  async abort(): Promise<void> {
    await this.#worker.terminate();
  }
}

/**
 * What node-postgres's `Client` calls on its `connection` (pg/lib/connection.js), over a PGliteThread instead of a
 * socket. Messages are gathered while the client writes one query (it corks its stream around them) and sent as one
 * batch; each answer is parsed here and emitted by message name, as pg's own connection does. No start-up exchange:
 * the embedded database has no authentication, so `connect` reports ready for queries at once.
 */
export class PGliteThreadConnection extends EventEmitter {
  /** Read and written by node-postgres's Query: which named statements this connection has prepared. */
  parsedStatements: Record<string, string> = {};
  submittedNamedStatements: Record<string, string> = {};
  _connecting = false;
  readonly #thread: PGliteThread;
  readonly #parser = new Parser();
  #pending: Buffer[] = [];
  #corked = 0;
  #ended = false;
  /** A failure of the thread before the client listened for it (before `connect`): reported by `connect`. */
  #earlyFailure: Error | undefined;
  readonly stream = {
    cork: () => {
      this.#corked += 1;
    },
    uncork: () => {
      this.#corked = Math.max(0, this.#corked - 1);
      if (this.#corked === 0) this.#flush();
    },
    destroy: () => this.end(),
  };

  constructor(thread: PGliteThread) {
    super();
    this.#thread = thread;
    thread.attach(
      (bytes) => {
        // After `end`, the client has failed what it was waiting for ("Connection terminated"): a late answer to it
        // would only read as a protocol error.
        if (this.#ended) return;
        this.#parser.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), (message: BackendMessage) => {
          this.emit('message', message);
          this.emit(message.name === 'error' ? 'errorMessage' : message.name, message);
        });
      },
      (error) => {
        if (this.#ended) return;
        if (this.listenerCount('error') === 0) this.#earlyFailure ??= error;
        else this.emit('error', error);
      },
    );
  }

  connect(): void {
    this._connecting = true;
    process.nextTick(() =>
      this.#earlyFailure === undefined ? this.emit('readyForQuery') : this.emit('error', this.#earlyFailure),
    );
  }

  #write(bytes: Buffer): void {
    this.#pending.push(bytes);
    if (this.#corked === 0) this.#flush();
  }

  #flush(): void {
    if (this.#pending.length === 0) return;
    const pending = this.#pending;
    this.#pending = [];
    // A fresh buffer of exactly these bytes, handed over to the thread (serialize's buffers may share a pool).
    const length = pending.reduce((sum, bytes) => sum + bytes.byteLength, 0);
    const batch = new Uint8Array(length);
    let offset = 0;
    for (const bytes of pending) {
      batch.set(bytes, offset);
      offset += bytes.byteLength;
    }
    try {
      this.#thread.send(batch);
    } catch (error) {
      process.nextTick(() => {
        if (!this.#ended) this.emit('error', error);
      });
    }
  }

  query(text: string): void {
    this.#write(serialize.query(text));
  }
  parse(query: Parameters<typeof serialize.parse>[0]): void {
    this.#write(serialize.parse(query));
  }
  bind(config: Parameters<typeof serialize.bind>[0]): void {
    this.#write(serialize.bind(config));
  }
  execute(config: Parameters<typeof serialize.execute>[0]): void {
    this.#write(serialize.execute(config));
  }
  describe(message: Parameters<typeof serialize.describe>[0]): void {
    this.#write(serialize.describe(message));
  }
  close(message: Parameters<typeof serialize.close>[0]): void {
    this.#write(serialize.close(message));
  }
  flush(): void {
    this.#write(serialize.flush());
  }
  sync(): void {
    this.#write(serialize.sync());
  }
  sendCopyFromChunk(chunk: Buffer): void {
    this.#write(serialize.copyData(chunk));
  }
  endCopyFrom(): void {
    this.#write(serialize.copyDone());
  }
  sendCopyFail(message: string): void {
    this.#write(serialize.copyFail(message));
  }

  /** Ends the connection (the client's `end`); the thread itself is closed by its owner. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    process.nextTick(() => this.emit('end'));
  }

  // Socket-only parts of pg's connection: nothing to do without a socket or authentication.
  requestSsl(): void {}
  startup(): void {}
  cancel(): void {}
  password(): void {}
  sendSASLInitialResponseMessage(): void {}
  sendSCRAMClientFinalMessage(): void {}
  ref(): void {}
  unref(): void {}
}
