import type { UserRole } from '@aae/db';

/** What a personal access token may do; a signed-in browser has every scope of its role. */
export const TOKEN_SCOPES = ['executions:read', 'executions:write', 'assistants:read', 'assistants:write', 'admin'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

export const SCOPE_DESCRIPTIONS: Record<TokenScope, string> = {
  'executions:read': 'Read executions, their events and live output; download exports',
  'executions:write': 'Run and cancel assistants',
  'assistants:read': 'Read assistants, models, tools and knowledge repositories; search knowledge',
  'assistants:write': 'Create, change and delete assistants, knowledge repositories and documents',
  admin: 'Act as an admin: people, every execution, analytics, the live feed, the audit log (admins only)',
};

/** The scopes a role can hold: members everything but `admin`. */
export function roleScopes(role: UserRole): TokenScope[] {
  return role === 'admin' ? [...TOKEN_SCOPES] : TOKEN_SCOPES.filter((scope) => scope !== 'admin');
}
