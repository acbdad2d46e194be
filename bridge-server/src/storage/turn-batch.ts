import DataLoader from 'dataloader';

/**
 * One statement for the reads that concurrent requests ask for in the same turn of the event loop (issue 16, the hot
 * path; test/BENCHMARKS.md, session 14). On this machine a request's cost was mostly its statements: each is a socket
 * write to the database and a result to parse, whatever the rows. Sixteen panels asking at once made 32 statements
 * (their authentications and their reads); gathered, they make a few.
 *
 * The reads are gathered until the event loop's check phase (`setImmediate`), so every request whose bytes arrived in
 * the same poll phase joins the batch, not only those of one socket's callback (DataLoader's own default dispatches
 * after the current job, which here is a single request). A request alone waits for nothing but the rest of its turn.
 * Nothing is cached between batches (`cache: false`): each load reads the database as it is, so a revoked token or a
 * new consent is seen by the next request exactly as before. `read` answers for every key, in order; a failed
 * statement fails every load of its batch, as it would have failed each alone.
 */
export function batchedPerTurn<K, V>(
  read: (keys: readonly K[]) => Promise<readonly V[]>,
  maxBatchSize = 256,
): (key: K) => Promise<V> {
  const loader = new DataLoader<K, V>((keys) => read(keys), {
    cache: false,
    maxBatchSize,
    batchScheduleFn: (dispatch) => setImmediate(dispatch),
  });
  return (key) => loader.load(key);
}

/**
 * Identical reads asked in the same turn, read once and shared (request coalescing): sixteen panels of one deployment
 * opening the template picker at once read its templates once. `sameAs` names what a read depends on; reads with
 * different names run side by side. The answer is shared between the callers, so it must not be changed by them.
 * Nothing is kept after the turn, exactly as with `batchedPerTurn`.
 */
export function coalescedPerTurn<K, V>(read: (key: K) => Promise<V>, sameAs: (key: K) => string): (key: K) => Promise<V> {
  return batchedPerTurn<K, V>(async (keys) => {
    const reads = new Map<string, Promise<V>>();
    for (const key of keys) {
      const name = sameAs(key);
      if (!reads.has(name)) reads.set(name, read(key));
    }
    return Promise.all(keys.map((key) => reads.get(sameAs(key)) as Promise<V>));
  });
}
