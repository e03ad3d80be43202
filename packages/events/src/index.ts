export * from './payloads.ts';
export * from './event-types.ts';
export * from './stored-event.ts';
export * from './event-id.ts';
export * from './knowledge.ts';
export * from './describe-issues.ts';
export * from './backoff.ts';
export * from './deferred.ts';
