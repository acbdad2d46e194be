import type { Readable } from 'node:stream';

/**
 * file-type reads at most this many bytes from the start of a file (its `sampleSize`), so the beginning of a file
 * that is too large still says what it is.
 */
export const sniffBytes = 4_100;

export interface CappedRead {
  /** Everything read: the whole stream when `complete`, else its first `capBytes` bytes. */
  bytes: Buffer;
  complete: boolean;
}

/**
 * Reads a stream into memory up to `capBytes`, and stops at the first byte beyond: a client or server cannot make
 * the bridge hold more than the limit. What happens to the rest is the caller's choice: `discard` keeps draining
 * (an incoming request, so that the refusal can still be answered on its connection), `destroy` drops the
 * connection (a download).
 */
export function readCapped(stream: Readable, capBytes: number, overflow: 'discard' | 'destroy'): Promise<CappedRead> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let sizeBytes = 0;
    const cleanUp = () => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      // A late error (the peer resets a connection we stopped reading) must not go unhandled.
      stream.on('error', () => {});
    };
    const onData = (chunk: Buffer) => {
      const room = capBytes - sizeBytes;
      sizeBytes += chunk.length;
      if (chunk.length <= room) {
        chunks.push(chunk);
        return;
      }
      chunks.push(chunk.subarray(0, room));
      cleanUp();
      if (overflow === 'destroy') stream.destroy();
      else stream.resume();
      resolve({ bytes: Buffer.concat(chunks), complete: false });
    };
    const onEnd = () => {
      cleanUp();
      resolve({ bytes: Buffer.concat(chunks), complete: true });
    };
    const onError = (error: Error) => {
      cleanUp();
      reject(error);
    };
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('error', onError);
  });
}
