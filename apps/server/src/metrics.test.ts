import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { registerStatsMetrics, WEBHOOK_METRICS } from './metrics.ts';

describe('registerStatsMetrics', () => {
  it('exports a stats getter’s running totals as counters and levels as gauges, read at each scrape', async () => {
    // The shape the webhook delivery worker's getStats() returns.
    const stats = { attempts: 0, delivered: 0, failed: 0, retriesScheduled: 0, exhausted: 0, disabledEndpoints: 0, pruned: 0 };
    const registry = new Registry();
    const names = registerStatsMetrics(registry, () => ({ ...stats }), WEBHOOK_METRICS);
    expect(names).toEqual(Object.values(WEBHOOK_METRICS).map((metric) => metric.name));

    Object.assign(stats, { attempts: 7, delivered: 5, failed: 2, retriesScheduled: 2, exhausted: 1, disabledEndpoints: 1, pruned: 3 });
    const families = parsePrometheusTextFormat(await registry.metrics());
    expect(Object.fromEntries(families.map((family) => [family.name, [family.type, family.metrics[0]?.value]]))).toEqual({
      aae_webhook_attempts_total: ['COUNTER', '7'],
      aae_webhook_delivered_total: ['COUNTER', '5'],
      aae_webhook_failed_total: ['COUNTER', '2'],
      aae_webhook_retries_scheduled_total: ['COUNTER', '2'],
      aae_webhook_exhausted_total: ['COUNTER', '1'],
      aae_webhook_endpoints_disabled_total: ['COUNTER', '1'],
      aae_webhook_log_pruned_total: ['COUNTER', '3'],
    });

    stats.attempts = 9;
    const again = parsePrometheusTextFormat(await registry.metrics());
    expect(again.find((family) => family.name === 'aae_webhook_attempts_total')?.metrics[0]?.value).toBe('9');
  });

  it('gives each registry its own metrics: two apps in one process do not collide', async () => {
    const level = { depth: 3 };
    const first = new Registry();
    const second = new Registry();
    for (const registry of [first, second]) {
      registerStatsMetrics(registry, () => level, { depth: { name: 'aae_test_depth', help: 'A level.', type: 'gauge' } });
    }
    level.depth = 4;
    for (const registry of [first, second]) {
      expect(parsePrometheusTextFormat(await registry.metrics())).toEqual([
        { name: 'aae_test_depth', help: 'A level.', type: 'GAUGE', metrics: [{ value: '4' }] },
      ]);
    }
  });
});
