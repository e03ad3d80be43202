/**
 * Every call the history benchmark makes into the product, in one place: the analytics
 * procedures, `executions.list` and the export route, as an admin's page or a member's client
 * calls them. When a procedure's input changes, this is the file to adapt.
 */
import { appRouter, createCallerFactory, createContextInner, type RouterInputs } from '@aae/api';
import { sessionIdentity } from '@aae/api/testing';
import { createPersonalToken, roleScopes } from '@aae/auth';
import type { User } from '@aae/db';
import type { RunningApp } from '@aae/server';

const createCaller = createCallerFactory(appRouter);
export type Caller = ReturnType<typeof createCaller>;

/** A server-side tRPC caller signed in as `user` (a browser session: every scope of the role). */
export function callerFor(app: RunningApp, user: User): Caller {
  return createCaller(createContextInner({ services: app.services, identity: sessionIdentity(user) }));
}

/** The analytics page's filters: all time (`{}`) or since a minute (`{ from }`), of everyone or of one assistant or person. */
export type AnalyticsRange = { from?: Date; assistantId?: number; userId?: number };

/** The seven procedures the analytics page asks for, as it asks (executions over time by day). */
export const ANALYTICS_PROCEDURES: ReadonlyArray<{ name: string; call(caller: Caller, range: AnalyticsRange): Promise<unknown> }> = [
  { name: 'executionsOverTime', call: (caller, range) => caller.analytics.executionsOverTime({ ...range, bucket: 'day' }) },
  { name: 'executionTimeByAssistant', call: (caller, range) => caller.analytics.executionTimeByAssistant(range) },
  { name: 'errorRateByAssistant', call: (caller, range) => caller.analytics.errorRateByAssistant(range) },
  { name: 'durationPercentiles', call: (caller, range) => caller.analytics.durationPercentiles(range) },
  { name: 'averagePromptDuration', call: (caller, range) => caller.analytics.averagePromptDuration(range) },
  { name: 'tokensByModel', call: (caller, range) => caller.analytics.tokensByModel(range) },
  { name: 'mostUsedRepositories', call: (caller, range) => caller.analytics.mostUsedRepositories(range) },
];

export type ListInput = Exclude<RouterInputs['executions']['list'], undefined>;

/** One page of `executions.list`: its size and the cursor of the next. */
export async function listExecutions(caller: Caller, input: ListInput): Promise<{ items: number; nextCursor: string | null }> {
  const page = await caller.executions.list(input);
  return { items: page.items.length, nextCursor: page.nextCursor };
}

/** Every event of the caller's executions, as NDJSON: the path under the server's URL. */
export const MEMBER_EVENTS_EXPORT_PATH = '/api/events.ndjson';

/** A personal access token for `user`, as the Tokens page makes one, for the export's `Authorization` header. */
export async function exportToken(app: RunningApp, user: User): Promise<string> {
  const { token } = await createPersonalToken(app.services.auth, {
    userId: user.id,
    name: 'history benchmark',
    scopes: roleScopes(user.role),
    expiresInDays: 1,
  });
  return token;
}
