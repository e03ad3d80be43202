-- The history list walks an index per sort (alone, or under a user or an assistant), each ending
-- in "id" so that a keyset page starts where the last one stopped.

-- DropIndex
DROP INDEX "executions_status_idx";

-- CreateIndex
CREATE INDEX "executions_created_at_id_idx" ON "executions"("created_at", "id");

-- CreateIndex
CREATE INDEX "executions_user_id_created_at_id_idx" ON "executions"("user_id", "created_at", "id");

-- CreateIndex
CREATE INDEX "executions_assistant_id_created_at_id_idx" ON "executions"("assistant_id", "created_at", "id");

-- CreateIndex
CREATE INDEX "executions_total_tokens_id_idx" ON "executions"("total_tokens", "id");

-- CreateIndex
CREATE INDEX "executions_user_id_total_tokens_id_idx" ON "executions"("user_id", "total_tokens", "id");

-- CreateIndex
CREATE INDEX "executions_assistant_id_total_tokens_id_idx" ON "executions"("assistant_id", "total_tokens", "id");

-- CreateIndex
CREATE INDEX "executions_status_created_at_id_idx" ON "executions"("status", "created_at", "id");

-- The duration sort's expression (Prisma's schema cannot name an expression index).
CREATE INDEX "executions_duration_id_idx" ON "executions"((COALESCE(EXTRACT(EPOCH FROM (finished_at - started_at)) * 1000, -1)), "id");

-- Which executions have an event of a type: an index-only walk, in execution order.
-- DropIndex
DROP INDEX "assistant_architect_events_event_type_idx";

-- CreateIndex
CREATE INDEX "assistant_architect_events_event_type_execution_id_idx" ON "assistant_architect_events"("event_type", "execution_id");
