import type { z } from 'zod';

/**
 * A zod failure as one line a person can act on: each problem as `field.path: message`, joined
 * by `; ` (`root` names a problem with the whole value). The one formatter every package uses.
 */
export function describeIssues(error: z.ZodError, root = 'input'): string {
  return error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : root}: ${issue.message}`).join('; ');
}
