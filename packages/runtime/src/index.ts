export { createAppServices, type AppServices, type AppServicesOptions, type IdentityOptions } from './services.ts';
export { ExecutionRunner, type ExecutionRunnerDeps } from './execution-runner.ts';
export { RetentionJob, type RetentionJobDeps, type RetentionStats, type SweepRequest } from './retention-job.ts';
export {
  createDocumentImports,
  IMPORT_LOST_MESSAGE,
  ImportNotFoundError,
  ImportsClosedError,
  type DocumentImports,
  type DocumentImportsDeps,
  type DocumentImportView,
} from './document-imports.ts';
export { createUsageLimits, DEFAULT_USAGE_LIMITS, LimitReachedError, type UsageLimits, type UsageLimitSettings } from './usage-limits.ts';
export { accessKeysOf, cacheIdentities, type IdentityCacheOptions } from './identity-cache.ts';
export {
  createFanOut,
  SequenceNotReachedError,
  SlowWatcherError,
  type EventSink,
  type ExecutionNames,
  type FanOut,
  type FanOutOptions,
  type FanOutStats,
  type WatchAccess,
  type WatchRequest,
} from './live-delivery/fan-out.ts';
export { DEMO_ASSISTANT, seedDemo } from './seed-demo.ts';
export { seedFieldGuide } from './seed-field-guide.ts';
export {
  DEFAULT_WEBHOOK_DISABLE_RULE,
  WebhookDeliveryJob,
  type WebhookDeliveryJobDeps,
  type WebhookDeliveryStats,
} from './webhooks/webhook-delivery-job.ts';
export {
  checkDestination,
  isPublicAddress,
  parseWebhookUrl,
  redactedWebhookUrl,
  WebhookDestinationError,
  type DestinationPolicy,
} from './webhooks/destination-policy.ts';
export { retryDelayMs, WEBHOOK_RETRY_SCHEDULE_MS } from './webhooks/retry-schedule.ts';
export { newWebhookSecret, WEBHOOK_TEST_TYPE, webhookTestMessage } from './webhooks/webhook-messages.ts';
export { extractPdfText, PdfUnreadableError } from './pdf-text.ts';
