import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from './root.ts';

export { appRouter, type AppRouter } from './root.ts';
export { createCallerFactory } from './trpc.ts';
export { createContext, createContextInner, type Context, type RequestOrigin } from './context.ts';
export { createAppServices, type AppServices, type AppServicesOptions, type IdentityOptions } from './services.ts';
export { seedFieldGuide } from './seed-field-guide.ts';
export { assertCanReadExecution, executionListScope } from './execution-access.ts';
export { executionEventStream, resumeSequence } from './execution-event-stream.ts';
export { executionEventInput } from './router/events.ts';
export { createFanOut, SlowWatcherError, type EventSink, type FanOut, type FanOutStats } from './live-delivery/fan-out.ts';
export { StreamScope, streamScope } from './stream-scope.ts';
export { assertScope, unauthorized, viewerOf } from './trpc.ts';
export { dateSchema, idSchema } from './schemas.ts';
export { findUnstorableText } from './storable-text.ts';
export { domainError } from './domain-errors.ts';
export { DEFAULT_USAGE_LIMITS, LimitReachedError, type UsageLimitSettings } from './usage-limits.ts';

export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
