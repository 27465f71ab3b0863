import { randomFillSync } from 'node:crypto';
import { monotonicFactory } from 'ulid';

/**
 * Resource ids: a type prefix and a ULID, so ids say what they name and sort by creation time
 * (the job list's cursor relies on that order).
 */
export type IdPrefix = 'job' | 'bat' | 'upl' | 'run' | 'fin';

/**
 * ulid's default source asks the OS for one random byte per character (16 calls per id, a few
 * per cent of the intake's CPU): the same cryptographic bytes, drawn 4 KiB at a time.
 */
const pool = new Uint8Array(4096);
let poolIndex = pool.length;
function pooledRandom(): number {
  if (poolIndex === pool.length) {
    randomFillSync(pool);
    poolIndex = 0;
  }
  return pool[poolIndex++]! / 256;
}

const nextUlid = monotonicFactory(pooledRandom);

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${nextUlid().toLowerCase()}`;
}

const idPattern = /^[a-z]{3}_[0-9a-hjkmnp-tv-z]{26}$/;

/** True when `value` looks like an id of ours with that prefix (cheap check before any lookup). */
export function isId(prefix: IdPrefix, value: string): boolean {
  return value.startsWith(`${prefix}_`) && idPattern.test(value);
}

/** Milliseconds since the epoch encoded in an id's ULID. */
export function idTime(id: string): number {
  const ulid = id.slice(4).toUpperCase();
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  let time = 0;
  for (const char of ulid.slice(0, 10)) time = time * 32 + alphabet.indexOf(char);
  return time;
}
