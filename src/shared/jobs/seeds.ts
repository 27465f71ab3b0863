import { randomInt } from 'node:crypto';
import { UINT32_MAX } from './request-envelope.ts';

/** A fresh seed for a job that gave none: recorded on the job so the run can be repeated. */
export function randomSeed(max: number = UINT32_MAX): number {
  return randomInt(0, max + 1);
}
