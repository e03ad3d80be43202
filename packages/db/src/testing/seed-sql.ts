/** The seed document's SQL, character for character (`bindExecutionId` binds its `:executionId`). */
export const SEED_SQL = {
  history: `
SELECT
  id,
  execution_id,
  event_type,
  event_data,
  created_at
FROM assistant_architect_events
WHERE execution_id = :executionId
ORDER BY created_at ASC;`,
  knowledgePrompts: `
-- Find all prompts that used knowledge retrieval
SELECT event_data->>'promptId' as prompt_id,
       event_data->>'documentsFound' as docs_found
FROM assistant_architect_events
WHERE event_type = 'knowledge-retrieved'::assistant_event_type
  AND execution_id = :executionId;`,
  averagePromptDuration: `
-- Calculate average prompt duration
SELECT AVG((event_data->>'duration')::integer) as avg_duration_ms
FROM assistant_architect_events
WHERE event_type = 'prompt-complete'::assistant_event_type
  AND execution_id = :executionId;`,
  averageExecutionTimeByTool: `
-- Average execution time by tool
SELECT
  start_event.event_data->>'toolName' as tool_name,
  AVG(
    EXTRACT(EPOCH FROM (complete_event.created_at - start_event.created_at)) * 1000
  ) as avg_duration_ms
FROM assistant_architect_events start_event
JOIN assistant_architect_events complete_event
  ON start_event.execution_id = complete_event.execution_id
WHERE start_event.event_type = 'execution-start'::assistant_event_type
  AND complete_event.event_type = 'execution-complete'::assistant_event_type
GROUP BY tool_name;`,
  mostUsedRepositories: `
-- Most used repositories
SELECT
  jsonb_array_elements_text(event_data->'repositories') as repository_id,
  COUNT(*) as usage_count
FROM assistant_architect_events
WHERE event_type = 'knowledge-retrieval-start'::assistant_event_type
GROUP BY repository_id
ORDER BY usage_count DESC;`,
  errorRateByTool: `
-- Error rate by tool
SELECT
  start_event.event_data->>'toolName' as tool_name,
  COUNT(error_event.id)::float / COUNT(start_event.id) as error_rate
FROM assistant_architect_events start_event
LEFT JOIN assistant_architect_events error_event
  ON start_event.execution_id = error_event.execution_id
  AND error_event.event_type = 'execution-error'::assistant_event_type
WHERE start_event.event_type = 'execution-start'::assistant_event_type
GROUP BY tool_name;`,
  rollback: `
DROP TABLE IF EXISTS assistant_architect_events;
DROP TYPE IF EXISTS assistant_event_type;`,
};

/** Binds the seed's `:executionId` placeholder as the first query parameter. */
export const bindExecutionId = (sql: string) => sql.replaceAll(':executionId', '$1');
