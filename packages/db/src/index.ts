export { createDatabase, type Database, type DatabaseKind, type DatabaseOptions, type RawQuery, type VectorSearchMode } from './client.ts';
export {
  createEventStore,
  INSERT_EVENTS_SQL,
  insertEventsParams,
  type EventStore,
  type EventStoreOptions,
  type ExportedEvent,
  type ExportPlace,
  type InsertResult,
  type PendingEvent,
} from './event-store.ts';
export { readAfter, readByCursor } from './paged-reads.ts';
export { EventWriteBuffer, type EventWriteBufferOptions, type EventWriteBufferStats, type EventWritesState } from './event-write-buffer.ts';
export { createEventRecorder, type EventRecorder } from './event-recorder.ts';
export {
  ACCESS_CHANGES,
  AccessRevokedError,
  createInProcessEventBus,
  queuedIterable,
  type AccessChange,
  type AccessKey,
  type EventBus,
  type InProcessEventBus,
  type OutputDelta,
} from './event-bus.ts';
export { createResponseCacheStore, type ResponseCacheStore } from './repositories/response-cache.ts';
export { createPostgresEventBus, type PostgresEventBus } from './postgres-event-bus.ts';
export { decodeOutputNotification, OUTPUT_CHANNEL, type OutputNotification } from './output-notifications.ts';
export {
  AssistantNotFoundError,
  AssistantVersionConflictError,
  createAssistantRepository,
  inputVariableSchema,
  UnknownPromptError,
  type Assistant,
  type AssistantContent,
  type AssistantSummary,
  type AssistantPrompt,
  type AssistantVersion,
  type AssistantVersionSummary,
  type AssistantRepository,
  type InputVariable,
  type NewAssistant,
} from './repositories/assistants.ts';
export {
  createExecutionRepository,
  InvalidCursorError,
  type ExecutionDetail,
  type ExecutionRecord,
  type ListExecutionsOptions,
  type ExecutionRepository,
  type ExecutionSummary,
  type PromptResult,
} from './repositories/executions.ts';
export {
  createUserRepository,
  EmailTakenError,
  LastAdminError,
  NotAnAdminError,
  PASSWORD_PROVIDER_ID,
  type User,
  type UserAccount,
  type UserRepository,
} from './repositories/users.ts';
export { AUDIT_ACTIONS, createAuditLog, type AuditAction, type AuditEntry, type AuditLog, type AuditRecord } from './repositories/audit-log.ts';
export { instanceSecret } from './repositories/instance-secrets.ts';
export {
  createPersonalTokenRepository,
  type PersonalTokenRepository,
  type PersonalTokenSummary,
  type StoredPersonalToken,
} from './repositories/personal-tokens.ts';
export { canChange, SYSTEM_VIEWER, visibleTo, type Viewer } from './repositories/visibility.ts';
export {
  closeOrphanedExecutions,
  EXECUTION_LOCK_CLASS,
  ORPHAN_ERROR,
  outcomeOf,
  QUEUE_CHANNEL,
  recoverInterruptedExecutions,
  type RecoveredExecutions,
  type RecoverInterruptedOptions,
} from './orphan-recovery.ts';
export { claimSql, createExecutionQueue, type ClaimedExecution, type ExecutionQueue, type ExecutionQueueOptions, type QueueSignal } from './execution-queue.ts';
export type { ExecutionStatus, UserRole, Visibility } from './generated/prisma/enums.ts';
export { fromPrismaEventType, toPrismaEventType } from './event-type-mapping.ts';
export type { PrismaClient } from './generated/prisma/client.ts';
export { createAnalytics, type Analytics, type AnalyticsFilters, type AnalyticsRange } from './analytics.ts';
export { createKnowledgeStore, type KnowledgeStore, type KnowledgeStoreOptions } from './knowledge/knowledge-store.ts';
export type { KnowledgeRepositorySummary } from './knowledge/knowledge-repositories.ts';
export type { KnowledgeDocumentListItem, KnowledgeDocumentSummary } from './knowledge/knowledge-documents.ts';
export type { AddDocumentsProgress, NewKnowledgeDocument } from './knowledge/document-ingestion.ts';
export type { KnowledgeSearchRequest, KnowledgeSearchType } from './knowledge/knowledge-search.ts';
export { chunkDocument, type DocumentChunk, type KnowledgeMediaType, type TokenCounter } from './knowledge/chunk-document.ts';
export { KnowledgeRepositoryNotFoundError, MixedEmbeddingModelsError } from './knowledge/knowledge-errors.ts';
export type { KnowledgePassage } from './knowledge/rank-passages.ts';
export {
  createDocumentImportRepository,
  type DocumentImport,
  type DocumentImportProgress,
  type DocumentImportRepository,
  type DocumentImportStatus,
} from './knowledge/document-imports.ts';
export {
  createRetentionStore,
  DEFAULT_RETENTION_BATCH_SIZE,
  MAX_KEEP_DAYS,
  RetentionAssistantNotFoundError,
  type RetentionDeletion,
  type RetentionPolicyView,
  type RetentionScope,
  type RetentionStore,
  type RetentionSweepResult,
} from './repositories/retention.ts';
export { checkMigrationHistory, checkSchema, expectedSchema, type ExpectedTable, type MigrationHistory } from './schema-check.ts';
export {
  createWebhookStore,
  WebhookAssistantNotFoundError,
  WebhookDeliveryNotFoundError,
  WebhookEndpointNotFoundError,
  type ClaimedWebhookDelivery,
  type NewWebhookEndpoint,
  type WebhookAttemptOutcome,
  type WebhookAttemptView,
  type WebhookDeliveryStatus,
  type WebhookDeliveryView,
  type WebhookDisableRule,
  type WebhookEndpointChanges,
  type WebhookEndpointSummary,
  type WebhookEndpointView,
  type WebhookStore,
} from './repositories/webhooks.ts';
