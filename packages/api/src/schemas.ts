import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '@aae/auth';
import { z } from 'zod';

/** Input shapes several routers share. */

/** A row id: the database's ids are 32-bit, so a larger number names nothing (rather than failing the query). */
export const idSchema = z.number().int().positive().max(2_147_483_647, 'is not an id (too large)');

/** A moment to filter by: within what both the database and JavaScript can hold, and any real history. */
export const dateSchema = z
  .date({ error: 'must be a date' })
  .min(new Date('1970-01-01T00:00:00.000Z'), 'must be in 1970 or later')
  .max(new Date('9999-12-31T23:59:59.999Z'), 'must be before the year 10000');

export const visibilitySchema = z.enum(['private', 'shared'], { error: 'visibility must be "private" or "shared"' });

/** The name of an assistant, a repository, a prompt or a person. */
export const nameSchema = z.string().trim().min(1, 'name is required').max(200);

export const emailSchema = z
  .string()
  .trim()
  .max(320)
  .pipe(z.email({ error: 'email is not an email address' }));

export const passwordSchema = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `password must be at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(PASSWORD_MAX_LENGTH, `password must be at most ${PASSWORD_MAX_LENGTH} characters`);

/** One page of a list ordered by id: `cursor` is the last id of the page before. */
export const idPageSchema = { cursor: idSchema.nullish(), limit: z.number().int().min(1).max(100).default(50) };

/** `rows` fetched with one more than `limit`: the page, and the cursor of the next when there is one. */
export function idPage<T extends { id: number }>(rows: T[], limit: number): { items: T[]; nextCursor: number | null } {
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? (items.at(-1)?.id ?? null) : null };
}
