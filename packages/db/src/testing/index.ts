export { createTestDatabase, testDatabaseKind, type TestDatabase } from './test-database.ts';
export { startPostgresCluster, type PostgresCluster } from './postgres-cluster.ts';
