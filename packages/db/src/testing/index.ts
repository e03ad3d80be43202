export { createTestDatabase, testDatabaseKind, type TestDatabase } from './test-database.ts';
export { createProjectTestDatabase, testPostgresUrl } from './project-database.ts';
export { startPostgresCluster, type PostgresCluster } from './postgres-cluster.ts';
export { KNOWLEDGE_CORPUS, KNOWLEDGE_QUERIES } from './knowledge-corpus.ts';
export { bindExecutionId, SEED_SQL } from './seed-sql.ts';
export { listenForNotifications, type NotificationListener } from './notification-listener.ts';
export { storedEvent } from './stored-event.ts';
export { createRawAnalytics } from './raw-analytics.ts';
export { expectRollupsMatchRaw } from './rollups-match-raw.ts';
