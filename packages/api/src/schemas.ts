import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '@aae/auth';
import { z } from 'zod';
import { withoutNul } from './storable-text.ts';

/** Input shapes several routers share. */

/** A row id: the database's ids are 32-bit, so a larger number names nothing (rather than failing the query). */
export const idSchema = z.number().int().positive().max(2_147_483_647, 'is not an id (too large)');

export const visibilitySchema = z.enum(['private', 'shared'], { error: 'visibility must be "private" or "shared"' });

/** The name of an assistant, a repository, a prompt or a person. */
export const nameSchema = z.string().trim().min(1, 'name is required').max(200).refine(...withoutNul);

export const emailSchema = z.string().trim().max(320).pipe(z.email({ error: 'email is not an email address' }));

export const passwordSchema = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `password must be at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(PASSWORD_MAX_LENGTH, `password must be at most ${PASSWORD_MAX_LENGTH} characters`)
  .refine(...withoutNul);
