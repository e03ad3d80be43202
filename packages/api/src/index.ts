import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from './root.ts';

export { appRouter, type AppRouter } from './root.ts';
export { createCallerFactory } from './trpc.ts';
export { createContext, createContextInner, type Context, type RequestOrigin } from './context.ts';
export { assertCanReadExecution, executionListScope, watchAccess } from './execution-access.ts';
export { executionEventStream, resumeSequence } from './execution-event-stream.ts';
export { executionEventInput } from './router/events.ts';
export { StreamScope, streamScope } from './stream-scope.ts';
export { assertScope, unauthorized, viewerOf } from './trpc.ts';
export { dateSchema, idSchema } from './schemas.ts';
export { findUnstorableText } from './storable-text.ts';
export { domainError } from './domain-errors.ts';

export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
