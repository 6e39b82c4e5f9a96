import type { Migration } from 'kysely';
import * as m0001 from './0001-initial.js';

/** Every migration, in order. Listed statically so the compiled build needs no directory scan. */
export const migrations: Record<string, Migration> = {
  '0001-initial': m0001,
};
