-- The percentiles by prompt name and by assistant read their groups in order from these, instead of
-- sorting every rollup row by name (which spilled to disk at a million events).
CREATE INDEX "prompt_rollups_prompt_name_duration_ms_idx" ON "prompt_rollups"("prompt_name", "duration_ms") WHERE completed_at IS NOT NULL AND started_at IS NOT NULL;

CREATE INDEX "execution_rollups_tool_name_duration_ms_idx" ON "execution_rollups"("tool_name", "duration_ms") WHERE outcome = 'completed' AND started_at IS NOT NULL;

-- How many hours and days the executions started in: without them the planner expects a group per
-- row for executions over time, and sorts them all instead of hashing a few hundred.
CREATE STATISTICS "execution_rollups_started_day_stats" ON (date_trunc('day', started_at)) FROM "execution_rollups";

CREATE STATISTICS "execution_rollups_started_hour_stats" ON (date_trunc('hour', started_at)) FROM "execution_rollups";
