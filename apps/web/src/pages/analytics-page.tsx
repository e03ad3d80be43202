import { useMemo, useState, type ReactNode } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { ErrorMessage } from '../components/error-message.tsx';
import { formatDuration, formatNumber } from '../components/format.ts';
import { trpc } from '../trpc.ts';
import { ANALYTICS_ASSISTANTS_INPUT, ANALYTICS_RANGES, ANALYTICS_STALE_MS, analyticsInput, DEFAULT_ANALYTICS_RANGE } from './analytics-queries.ts';

const COLORS = { primary: '#1f5fbf', ok: '#17693a', error: '#a3201c', amber: '#b26b00' };

/** A chart with its numbers beside it: the table is what a screen reader (or a test) reads. */
function ChartCard<T extends Record<string, unknown>>({
  title,
  description,
  query,
  columns,
  chart,
  empty,
}: {
  title: string;
  description: string;
  query: { data?: T[] | undefined; error: { message: string } | null; isPending: boolean };
  columns: Array<{ key: keyof T & string; label: string; format?: (value: T[keyof T]) => string }>;
  chart: (rows: T[]) => ReactNode;
  empty: string;
}) {
  const id = title.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return (
    <section className="panel chart-card" aria-labelledby={id} data-chart={id}>
      <h2 id={id}>{title}</h2>
      <p className="muted">{description}</p>
      {query.error ? (
        <ErrorMessage error={query.error} />
      ) : query.isPending ? (
        <div className="chart-placeholder" role="status">
          Loading…
        </div>
      ) : query.data && query.data.length > 0 ? (
        <>
          <div className="chart-area">{chart(query.data)}</div>
          <table className="chart-data">
            <thead>
              <tr>
                {columns.map((column) => (
                  <th key={column.key} scope="col">
                    {column.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {query.data.map((row, index) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: rows have no id; each answer replaces the whole table
                <tr key={index}>
                  {columns.map((column) => (
                    <td key={column.key}>{column.format ? column.format(row[column.key]) : String(row[column.key] ?? '—')}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : (
        <div className="chart-placeholder">{empty}</div>
      )}
    </section>
  );
}

const ms = (value: unknown) => (typeof value === 'number' ? formatDuration(value) : '—');
const count = (value: unknown) => (typeof value === 'number' ? formatNumber(value) : '—');
const percent = (value: unknown) => (typeof value === 'number' ? `${(value * 100).toFixed(1)}%` : '—');

function Bars({
  rows,
  x,
  bars,
  layout = 'horizontal',
}: {
  rows: object[];
  x: string;
  bars: Array<{ key: string; name: string; color: string; stack?: string }>;
  layout?: 'horizontal' | 'vertical';
}) {
  return (
    <ResponsiveContainer width="100%" height={220}>
      <BarChart data={rows} layout={layout} margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
        <CartesianGrid strokeDasharray="3 3" stroke="#d9dde3" />
        {layout === 'horizontal' ? <XAxis dataKey={x} tick={{ fontSize: 12 }} /> : <XAxis type="number" tick={{ fontSize: 12 }} />}
        {layout === 'horizontal' ? <YAxis tick={{ fontSize: 12 }} width={56} /> : <YAxis type="category" dataKey={x} tick={{ fontSize: 12 }} width={120} />}
        <Tooltip />
        {bars.length > 1 ? <Legend /> : null}
        {bars.map((bar) => (
          <Bar key={bar.key} dataKey={bar.key} name={bar.name} fill={bar.color} stackId={bar.stack} isAnimationActive={false} />
        ))}
      </BarChart>
    </ResponsiveContainer>
  );
}

/** A labelled choice of one assistant or person, or all of them (the empty value). */
function FilterSelect({
  id,
  label,
  allLabel,
  value,
  onChange,
  options,
}: {
  id: string;
  label: string;
  allLabel: string;
  value: number | undefined;
  onChange: (value: number | undefined) => void;
  options: Array<{ id: number; name: string }> | undefined;
}) {
  return (
    <label htmlFor={id}>
      <span>{label}</span>{' '}
      <select id={id} value={value ?? ''} onChange={(event) => onChange(event.target.value === '' ? undefined : Number(event.target.value))}>
        <option value="">{allLabel}</option>
        {options?.map((option) => (
          <option key={option.id} value={option.id}>
            {option.name}
          </option>
        ))}
      </select>
    </label>
  );
}

export function AnalyticsPage() {
  const [rangeKey, setRangeKey] = useState(DEFAULT_ANALYTICS_RANGE.key);
  const [assistantId, setAssistantId] = useState<number | undefined>();
  const [userId, setUserId] = useState<number | undefined>();
  const range = ANALYTICS_RANGES.find((candidate) => candidate.key === rangeKey) ?? DEFAULT_ANALYTICS_RANGE;
  const fresh = { staleTime: ANALYTICS_STALE_MS };
  const assistants = trpc.assistants.list.useQuery(ANALYTICS_ASSISTANTS_INPUT, fresh);
  const people = trpc.users.list.useQuery(undefined, fresh);
  const input = useMemo(() => analyticsInput(range, assistantId, userId), [range, assistantId, userId]);

  const overTime = trpc.analytics.executionsOverTime.useQuery({ ...input, bucket: range.bucket }, fresh);
  const timeByAssistant = trpc.analytics.executionTimeByAssistant.useQuery(input, fresh);
  const errorRate = trpc.analytics.errorRateByAssistant.useQuery(input, fresh);
  const percentiles = trpc.analytics.durationPercentiles.useQuery(input, fresh);
  const promptDuration = trpc.analytics.averagePromptDuration.useQuery(input, fresh);
  const tokens = trpc.analytics.tokensByModel.useQuery(input, fresh);
  const repositories = trpc.analytics.mostUsedRepositories.useQuery(input, fresh);

  const overTimeRows = overTime.data?.map((row) => ({
    ...row,
    label: range.bucket === 'hour' ? row.bucket.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : row.bucket.toLocaleDateString(),
  }));
  const percentileRows = percentiles.data
    ? [{ assistantName: 'All assistants', ...percentiles.data.overall }, ...percentiles.data.byAssistant].filter((row) => row.executions > 0)
    : undefined;

  return (
    <div className="analytics">
      <section className="panel analytics-header">
        <h1>Analytics</h1>
        <div className="analytics-filters">
          <label>
            <span>Period</span>{' '}
            <select value={rangeKey} onChange={(event) => setRangeKey(event.target.value)}>
              {ANALYTICS_RANGES.map((candidate) => (
                <option key={candidate.key} value={candidate.key}>
                  {candidate.label}
                </option>
              ))}
            </select>
          </label>
          <FilterSelect
            id="analytics-assistant"
            label="Assistant"
            allLabel="All assistants"
            value={assistantId}
            onChange={setAssistantId}
            options={assistants.data?.items}
          />
          <FilterSelect
            id="analytics-person"
            label="Person"
            allLabel="Everyone"
            value={userId}
            onChange={setUserId}
            options={people.data?.map((person) => ({ id: person.id, name: `${person.name} (${person.email})` }))}
          />
        </div>
      </section>
      <div className="chart-grid">
        <ChartCard
          title="Executions over time"
          description={`Executions started per ${range.bucket}, by how they ended.`}
          query={{ ...overTime, data: overTimeRows }}
          columns={[
            { key: 'label', label: range.bucket === 'hour' ? 'Hour' : 'Day' },
            { key: 'started', label: 'Started', format: count },
            { key: 'completed', label: 'Completed', format: count },
            { key: 'failed', label: 'Failed', format: count },
          ]}
          chart={(rows) => (
            <Bars
              rows={rows}
              x="label"
              bars={[
                { key: 'completed', name: 'Completed', color: COLORS.ok, stack: 'end' },
                { key: 'failed', name: 'Failed', color: COLORS.error, stack: 'end' },
              ]}
            />
          )}
          empty="No executions in this period."
        />
        <ChartCard
          title="Average execution time by assistant"
          description="From execution-start to execution-complete, for completed runs."
          query={timeByAssistant}
          columns={[
            { key: 'assistantName', label: 'Assistant' },
            { key: 'avgDurationMs', label: 'Average', format: ms },
            { key: 'executions', label: 'Runs', format: count },
          ]}
          chart={(rows) => <Bars rows={rows} x="assistantName" bars={[{ key: 'avgDurationMs', name: 'Average ms', color: COLORS.primary }]} />}
          empty="No completed executions in this period."
        />
        <ChartCard
          title="Error rate by assistant"
          description="Share of started executions that ended in execution-error."
          query={{ ...errorRate, data: errorRate.data?.map((row) => ({ ...row, errorPercent: row.errorRate * 100 })) }}
          columns={[
            { key: 'assistantName', label: 'Assistant' },
            { key: 'errorRate', label: 'Error rate', format: percent },
            { key: 'errors', label: 'Errors', format: count },
            { key: 'executions', label: 'Runs', format: count },
          ]}
          chart={(rows) => <Bars rows={rows} x="assistantName" bars={[{ key: 'errorPercent', name: 'Error %', color: COLORS.error }]} />}
          empty="No executions in this period."
        />
        <ChartCard
          title="Duration percentiles"
          description="p50 and p95 of completed executions' reported duration."
          query={{ ...percentiles, data: percentileRows }}
          columns={[
            { key: 'assistantName', label: 'Assistant' },
            { key: 'p50Ms', label: 'p50', format: ms },
            { key: 'p95Ms', label: 'p95', format: ms },
            { key: 'executions', label: 'Runs', format: count },
          ]}
          chart={(rows) => (
            <Bars
              rows={rows}
              x="assistantName"
              bars={[
                { key: 'p50Ms', name: 'p50 ms', color: COLORS.primary },
                { key: 'p95Ms', name: 'p95 ms', color: COLORS.amber },
              ]}
            />
          )}
          empty="No completed executions in this period."
        />
        <ChartCard
          title="Average prompt duration"
          description="By prompt name, from prompt-complete's duration."
          query={{ ...promptDuration, data: promptDuration.data?.byPrompt }}
          columns={[
            { key: 'promptName', label: 'Prompt' },
            { key: 'avgDurationMs', label: 'Average', format: ms },
            { key: 'p95DurationMs', label: 'p95', format: ms },
            { key: 'runs', label: 'Runs', format: count },
          ]}
          chart={(rows) => <Bars rows={rows} x="promptName" bars={[{ key: 'avgDurationMs', name: 'Average ms', color: COLORS.primary }]} />}
          empty="No prompts completed in this period."
        />
        <ChartCard
          title="Tokens by model"
          description="Output tokens written by each model; cached answers counted apart."
          query={tokens}
          columns={[
            { key: 'modelId', label: 'Model' },
            { key: 'outputTokens', label: 'Output tokens', format: count },
            { key: 'prompts', label: 'Prompts', format: count },
            { key: 'cachedPrompts', label: 'From cache', format: count },
          ]}
          chart={(rows) => <Bars rows={rows} x="modelId" bars={[{ key: 'outputTokens', name: 'Output tokens', color: COLORS.primary }]} />}
          empty="No prompts completed in this period."
        />
        <ChartCard
          title="Most used repositories"
          description="How often each knowledge repository was searched."
          query={{ ...repositories, data: repositories.data?.map((row) => ({ ...row, label: row.name ?? `#${row.repositoryId} (deleted)` })) }}
          columns={[
            { key: 'label', label: 'Repository' },
            { key: 'usageCount', label: 'Searches', format: count },
          ]}
          chart={(rows) => <Bars rows={rows} x="label" layout="vertical" bars={[{ key: 'usageCount', name: 'Searches', color: COLORS.primary }]} />}
          empty="No knowledge searches in this period."
        />
      </div>
    </div>
  );
}
