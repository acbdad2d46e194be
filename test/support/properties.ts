/**
 * The seed of every property test (fast-check). Fixed, so that a run explores the same cases each time and a failure
 * on one machine is a failure on every machine; PROPERTY_SEED=<integer> explores others, or replays a printed one.
 */
function seedFromEnvironment(): number {
  const given = process.env.PROPERTY_SEED;
  if (given === undefined || given === '') return defaultSeed;
  const seed = Number(given);
  if (!Number.isSafeInteger(seed)) throw new Error(`PROPERTY_SEED must be an integer, not ${given}`);
  return seed;
}

/** Any integer does; this one is the date the seed was fixed. */
const defaultSeed = 20_261_205;

export const propertySeed = seedFromEnvironment();

/** fast-check's parameters for `fc.assert`: `numRuns` cases from the seed, which is printed so a failure can be replayed. */
export function propertyRuns(numRuns: number): { numRuns: number; seed: number } {
  if (!printed) {
    printed = true;
    console.info(`property tests: seed ${propertySeed} (replay with PROPERTY_SEED=${propertySeed})`);
  }
  return { numRuns, seed: propertySeed };
}

let printed = false;
