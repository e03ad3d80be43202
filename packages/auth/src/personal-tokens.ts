import type { Auth } from './create-auth.ts';
import type { TokenScope } from './scopes.ts';

export interface NewPersonalToken {
  id: number;
  /** The token itself: shown once, never stored (only its hash is). */
  token: string;
  name: string;
  scopes: TokenScope[];
  expiresAt: Date | null;
}

/** Creates a personal access token for `userId` through better-auth's api-key plugin. */
export async function createPersonalToken(
  auth: Auth,
  input: { userId: number; name: string; scopes: readonly TokenScope[]; expiresInDays: number | null },
): Promise<NewPersonalToken> {
  const created = await auth.api.createApiKey({
    body: {
      userId: String(input.userId),
      name: input.name,
      permissions: { scopes: [...input.scopes] },
      ...(input.expiresInDays === null ? {} : { expiresIn: input.expiresInDays * 24 * 3600 }),
    },
  });
  return {
    id: Number(created.id),
    token: created.key,
    name: input.name,
    scopes: [...input.scopes],
    expiresAt: created.expiresAt ? new Date(created.expiresAt) : null,
  };
}
