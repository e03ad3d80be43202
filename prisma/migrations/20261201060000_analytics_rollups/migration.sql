-- CreateTable
CREATE TABLE "execution_rollups" (
    "execution_id" INTEGER NOT NULL,
    "assistant_id" INTEGER NOT NULL,
    "user_id" INTEGER NOT NULL,
    "tool_name" TEXT,
    "started_at" TIMESTAMPTZ(6),
    "ended_at" TIMESTAMPTZ(6),
    "outcome" TEXT,
    "duration_ms" DOUBLE PRECISION,

    CONSTRAINT "execution_rollups_pkey" PRIMARY KEY ("execution_id")
);

-- CreateTable
CREATE TABLE "prompt_rollups" (
    "execution_id" INTEGER NOT NULL,
    "prompt_id" BIGINT NOT NULL,
    "assistant_id" INTEGER NOT NULL,
    "user_id" INTEGER NOT NULL,
    "prompt_name" TEXT,
    "model_id" TEXT,
    "started_at" TIMESTAMPTZ(6),
    "completed_at" TIMESTAMPTZ(6),
    "duration_ms" INTEGER,
    "output_tokens" INTEGER,
    "cached" BOOLEAN,

    CONSTRAINT "prompt_rollups_pkey" PRIMARY KEY ("execution_id","prompt_id")
);

-- CreateTable
CREATE TABLE "repository_uses" (
    "event_id" BIGINT NOT NULL,
    "position" INTEGER NOT NULL,
    "execution_id" INTEGER NOT NULL,
    "repository_id" TEXT NOT NULL,
    "assistant_id" INTEGER NOT NULL,
    "user_id" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "repository_uses_pkey" PRIMARY KEY ("event_id","position")
);

-- CreateIndex
CREATE INDEX "execution_rollups_started_at_idx" ON "execution_rollups"("started_at");

-- CreateIndex
CREATE INDEX "execution_rollups_ended_at_idx" ON "execution_rollups"("ended_at");

-- CreateIndex
CREATE INDEX "execution_rollups_assistant_id_started_at_idx" ON "execution_rollups"("assistant_id", "started_at");

-- CreateIndex
CREATE INDEX "execution_rollups_user_id_started_at_idx" ON "execution_rollups"("user_id", "started_at");

-- CreateIndex
CREATE INDEX "prompt_rollups_completed_at_idx" ON "prompt_rollups"("completed_at");

-- CreateIndex
CREATE INDEX "prompt_rollups_assistant_id_completed_at_idx" ON "prompt_rollups"("assistant_id", "completed_at");

-- CreateIndex
CREATE INDEX "prompt_rollups_user_id_completed_at_idx" ON "prompt_rollups"("user_id", "completed_at");

-- CreateIndex
CREATE INDEX "repository_uses_execution_id_idx" ON "repository_uses"("execution_id");

-- CreateIndex
CREATE INDEX "repository_uses_created_at_idx" ON "repository_uses"("created_at");

-- CreateIndex
CREATE INDEX "repository_uses_assistant_id_created_at_idx" ON "repository_uses"("assistant_id", "created_at");

-- CreateIndex
CREATE INDEX "repository_uses_user_id_created_at_idx" ON "repository_uses"("user_id", "created_at");

-- AddForeignKey
ALTER TABLE "execution_rollups" ADD CONSTRAINT "execution_rollups_execution_id_fkey" FOREIGN KEY ("execution_id") REFERENCES "executions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "prompt_rollups" ADD CONSTRAINT "prompt_rollups_execution_id_fkey" FOREIGN KEY ("execution_id") REFERENCES "executions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "repository_uses" ADD CONSTRAINT "repository_uses_execution_id_fkey" FOREIGN KEY ("execution_id") REFERENCES "executions"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Keeps the rollups as events are written, in the inserting statement's transaction: one set-based
-- upsert per rollup table per statement. Rows are aggregated per key first (ON CONFLICT DO UPDATE
-- may touch a row once per statement); the merge keeps the earliest start and terminal events,
-- whichever statement brings them, so the rollups do not depend on the order events arrive in.
-- Values are cast only when their JSON type and range fit their column (others count as missing),
-- so no event is ever refused for its payload.
CREATE FUNCTION "assistant_architect_events_rollup"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO execution_rollups AS r (execution_id, assistant_id, user_id, tool_name, started_at, ended_at, outcome, duration_ms)
  SELECT
    e.execution_id, x.assistant_id, x.user_id,
    (array_agg(e.event_data->>'toolName' ORDER BY e.created_at, e.sequence) FILTER (WHERE e.event_type = 'execution-start'))[1],
    min(e.created_at) FILTER (WHERE e.event_type = 'execution-start'),
    min(e.created_at) FILTER (WHERE e.event_type <> 'execution-start'),
    (array_agg(CASE WHEN e.event_type = 'execution-complete' THEN 'completed' ELSE 'failed' END ORDER BY e.created_at, e.sequence)
      FILTER (WHERE e.event_type <> 'execution-start'))[1],
    (array_agg(CASE WHEN jsonb_typeof(e.event_data->'duration') = 'number' THEN CASE WHEN (e.event_data->>'duration')::numeric BETWEEN -1e300 AND 1e300 THEN (e.event_data->>'duration')::numeric END END ORDER BY e.created_at, e.sequence)
      FILTER (WHERE e.event_type <> 'execution-start'))[1]
  FROM new_rows e
  JOIN executions x ON x.id = e.execution_id
  WHERE e.event_type IN ('execution-start', 'execution-complete', 'execution-error')
  GROUP BY e.execution_id, x.assistant_id, x.user_id
  ORDER BY e.execution_id
  ON CONFLICT (execution_id) DO UPDATE SET
    tool_name = CASE WHEN r.started_at IS NULL OR excluded.started_at < r.started_at THEN excluded.tool_name ELSE r.tool_name END,
    started_at = LEAST(r.started_at, excluded.started_at),
    outcome = CASE WHEN r.ended_at IS NULL OR excluded.ended_at < r.ended_at THEN excluded.outcome ELSE r.outcome END,
    duration_ms = CASE WHEN r.ended_at IS NULL OR excluded.ended_at < r.ended_at THEN excluded.duration_ms ELSE r.duration_ms END,
    ended_at = LEAST(r.ended_at, excluded.ended_at);

  INSERT INTO prompt_rollups AS r (execution_id, prompt_id, assistant_id, user_id, prompt_name, model_id, started_at, completed_at, duration_ms, output_tokens, cached)
  SELECT
    e.execution_id, (e.event_data->>'promptId')::bigint, x.assistant_id, x.user_id,
    (array_agg(e.event_data->>'promptName' ORDER BY e.created_at, e.sequence) FILTER (WHERE e.event_type = 'prompt-start'))[1],
    (array_agg(e.event_data->>'modelId' ORDER BY e.created_at, e.sequence) FILTER (WHERE e.event_type = 'prompt-start'))[1],
    min(e.created_at) FILTER (WHERE e.event_type = 'prompt-start'),
    min(e.created_at) FILTER (WHERE e.event_type = 'prompt-complete'),
    (array_agg(CASE WHEN jsonb_typeof(e.event_data->'duration') = 'number' THEN CASE WHEN (e.event_data->>'duration')::numeric BETWEEN -2147483648 AND 2147483647 THEN (e.event_data->>'duration')::numeric END END ORDER BY e.created_at, e.sequence)
      FILTER (WHERE e.event_type = 'prompt-complete'))[1],
    (array_agg(CASE WHEN jsonb_typeof(e.event_data->'outputTokens') = 'number' THEN CASE WHEN (e.event_data->>'outputTokens')::numeric BETWEEN -2147483648 AND 2147483647 THEN (e.event_data->>'outputTokens')::numeric END END ORDER BY e.created_at, e.sequence)
      FILTER (WHERE e.event_type = 'prompt-complete'))[1],
    (array_agg(e.event_data->'cached' = 'true'::jsonb ORDER BY e.created_at, e.sequence) FILTER (WHERE e.event_type = 'prompt-complete'))[1]
  FROM new_rows e
  JOIN executions x ON x.id = e.execution_id
  WHERE e.event_type IN ('prompt-start', 'prompt-complete') AND jsonb_typeof(e.event_data->'promptId') = 'number' AND (e.event_data->>'promptId') ~ '^-?[0-9]{1,18}$'
  GROUP BY e.execution_id, (e.event_data->>'promptId')::bigint, x.assistant_id, x.user_id
  ORDER BY 1, 2
  ON CONFLICT (execution_id, prompt_id) DO UPDATE SET
    prompt_name = CASE WHEN r.started_at IS NULL OR excluded.started_at < r.started_at THEN excluded.prompt_name ELSE r.prompt_name END,
    model_id = CASE WHEN r.started_at IS NULL OR excluded.started_at < r.started_at THEN excluded.model_id ELSE r.model_id END,
    started_at = LEAST(r.started_at, excluded.started_at),
    duration_ms = CASE WHEN r.completed_at IS NULL OR excluded.completed_at < r.completed_at THEN excluded.duration_ms ELSE r.duration_ms END,
    output_tokens = CASE WHEN r.completed_at IS NULL OR excluded.completed_at < r.completed_at THEN excluded.output_tokens ELSE r.output_tokens END,
    cached = CASE WHEN r.completed_at IS NULL OR excluded.completed_at < r.completed_at THEN excluded.cached ELSE r.cached END,
    completed_at = LEAST(r.completed_at, excluded.completed_at);

  INSERT INTO repository_uses (event_id, position, execution_id, repository_id, assistant_id, user_id, created_at)
  SELECT e.id, repository.position, e.execution_id, repository.id, x.assistant_id, x.user_id, e.created_at
  FROM new_rows e
  JOIN executions x ON x.id = e.execution_id
  CROSS JOIN LATERAL jsonb_array_elements_text(CASE WHEN jsonb_typeof(e.event_data->'repositories') = 'array' THEN e.event_data->'repositories' END)
    WITH ORDINALITY AS repository(id, position)
  WHERE e.event_type = 'knowledge-retrieval-start' AND repository.id IS NOT NULL
  ON CONFLICT DO NOTHING;

  RETURN NULL;
END;
$$;

CREATE TRIGGER "assistant_architect_events_rollup"
AFTER INSERT ON "assistant_architect_events"
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION "assistant_architect_events_rollup"();

-- The events written before: the same upserts over the whole table, after the trigger exists, so
-- rows it writes meanwhile merge with these.
INSERT INTO execution_rollups AS r (execution_id, assistant_id, user_id, tool_name, started_at, ended_at, outcome, duration_ms)
SELECT
  e.execution_id, x.assistant_id, x.user_id,
  (array_agg(e.event_data->>'toolName' ORDER BY e.created_at, e.sequence) FILTER (WHERE e.event_type = 'execution-start'))[1],
  min(e.created_at) FILTER (WHERE e.event_type = 'execution-start'),
  min(e.created_at) FILTER (WHERE e.event_type <> 'execution-start'),
  (array_agg(CASE WHEN e.event_type = 'execution-complete' THEN 'completed' ELSE 'failed' END ORDER BY e.created_at, e.sequence)
    FILTER (WHERE e.event_type <> 'execution-start'))[1],
  (array_agg(CASE WHEN jsonb_typeof(e.event_data->'duration') = 'number' THEN CASE WHEN (e.event_data->>'duration')::numeric BETWEEN -1e300 AND 1e300 THEN (e.event_data->>'duration')::numeric END END ORDER BY e.created_at, e.sequence)
    FILTER (WHERE e.event_type <> 'execution-start'))[1]
FROM assistant_architect_events e
JOIN executions x ON x.id = e.execution_id
WHERE e.event_type IN ('execution-start', 'execution-complete', 'execution-error')
GROUP BY e.execution_id, x.assistant_id, x.user_id
ORDER BY e.execution_id
ON CONFLICT (execution_id) DO UPDATE SET
  tool_name = CASE WHEN r.started_at IS NULL OR excluded.started_at < r.started_at THEN excluded.tool_name ELSE r.tool_name END,
  started_at = LEAST(r.started_at, excluded.started_at),
  outcome = CASE WHEN r.ended_at IS NULL OR excluded.ended_at < r.ended_at THEN excluded.outcome ELSE r.outcome END,
  duration_ms = CASE WHEN r.ended_at IS NULL OR excluded.ended_at < r.ended_at THEN excluded.duration_ms ELSE r.duration_ms END,
  ended_at = LEAST(r.ended_at, excluded.ended_at);

INSERT INTO prompt_rollups AS r (execution_id, prompt_id, assistant_id, user_id, prompt_name, model_id, started_at, completed_at, duration_ms, output_tokens, cached)
SELECT
  e.execution_id, (e.event_data->>'promptId')::bigint, x.assistant_id, x.user_id,
  (array_agg(e.event_data->>'promptName' ORDER BY e.created_at, e.sequence) FILTER (WHERE e.event_type = 'prompt-start'))[1],
  (array_agg(e.event_data->>'modelId' ORDER BY e.created_at, e.sequence) FILTER (WHERE e.event_type = 'prompt-start'))[1],
  min(e.created_at) FILTER (WHERE e.event_type = 'prompt-start'),
  min(e.created_at) FILTER (WHERE e.event_type = 'prompt-complete'),
  (array_agg(CASE WHEN jsonb_typeof(e.event_data->'duration') = 'number' THEN CASE WHEN (e.event_data->>'duration')::numeric BETWEEN -2147483648 AND 2147483647 THEN (e.event_data->>'duration')::numeric END END ORDER BY e.created_at, e.sequence)
    FILTER (WHERE e.event_type = 'prompt-complete'))[1],
  (array_agg(CASE WHEN jsonb_typeof(e.event_data->'outputTokens') = 'number' THEN CASE WHEN (e.event_data->>'outputTokens')::numeric BETWEEN -2147483648 AND 2147483647 THEN (e.event_data->>'outputTokens')::numeric END END ORDER BY e.created_at, e.sequence)
    FILTER (WHERE e.event_type = 'prompt-complete'))[1],
  (array_agg(e.event_data->'cached' = 'true'::jsonb ORDER BY e.created_at, e.sequence) FILTER (WHERE e.event_type = 'prompt-complete'))[1]
FROM assistant_architect_events e
JOIN executions x ON x.id = e.execution_id
WHERE e.event_type IN ('prompt-start', 'prompt-complete') AND jsonb_typeof(e.event_data->'promptId') = 'number' AND (e.event_data->>'promptId') ~ '^-?[0-9]{1,18}$'
GROUP BY e.execution_id, (e.event_data->>'promptId')::bigint, x.assistant_id, x.user_id
ORDER BY 1, 2
ON CONFLICT (execution_id, prompt_id) DO UPDATE SET
  prompt_name = CASE WHEN r.started_at IS NULL OR excluded.started_at < r.started_at THEN excluded.prompt_name ELSE r.prompt_name END,
  model_id = CASE WHEN r.started_at IS NULL OR excluded.started_at < r.started_at THEN excluded.model_id ELSE r.model_id END,
  started_at = LEAST(r.started_at, excluded.started_at),
  duration_ms = CASE WHEN r.completed_at IS NULL OR excluded.completed_at < r.completed_at THEN excluded.duration_ms ELSE r.duration_ms END,
  output_tokens = CASE WHEN r.completed_at IS NULL OR excluded.completed_at < r.completed_at THEN excluded.output_tokens ELSE r.output_tokens END,
  cached = CASE WHEN r.completed_at IS NULL OR excluded.completed_at < r.completed_at THEN excluded.cached ELSE r.cached END,
  completed_at = LEAST(r.completed_at, excluded.completed_at);

INSERT INTO repository_uses (event_id, position, execution_id, repository_id, assistant_id, user_id, created_at)
SELECT e.id, repository.position, e.execution_id, repository.id, x.assistant_id, x.user_id, e.created_at
FROM assistant_architect_events e
JOIN executions x ON x.id = e.execution_id
CROSS JOIN LATERAL jsonb_array_elements_text(CASE WHEN jsonb_typeof(e.event_data->'repositories') = 'array' THEN e.event_data->'repositories' END)
  WITH ORDINALITY AS repository(id, position)
WHERE e.event_type = 'knowledge-retrieval-start' AND repository.id IS NOT NULL
ON CONFLICT DO NOTHING;
