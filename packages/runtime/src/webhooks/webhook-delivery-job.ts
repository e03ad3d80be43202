import type { AuditLog, ClaimedWebhookDelivery, WebhookDisableRule, WebhookStore } from '@aae/db';
import { checkDestination, redactedWebhookUrl, WebhookDestinationError, type DestinationPolicy } from './destination-policy.ts';
import { WEBHOOK_RETRY_SCHEDULE_MS, retryDelayMs } from './retry-schedule.ts';
import { sendWebhook, type SendResult } from './webhook-sender.ts';

export interface WebhookDeliveryJobDeps {
  store: WebhookStore;
  audit: AuditLog;
  destinations: DestinationPolicy;
  /** How often a worker looks for due deliveries besides being woken (default one second). */
  pollMs?: number;
  /** Deliveries one process sends at once (default 16). */
  batchSize?: number;
  /** How long one attempt may take (default 15 s). */
  timeoutMs?: number;
  /** The delay before each attempt after the first (default Svix's, `WEBHOOK_RETRY_SCHEDULE_MS`). */
  retryScheduleMs?: readonly number[];
  /** When an endpoint that keeps failing is disabled (default: 10 failed attempts in a row over at least 5 days). */
  disableAfter?: WebhookDisableRule;
  /** How long delivered and failed deliveries stay in the log (default 30 days); pending ones always stay. */
  logKeepMs?: number;
  logger?: Pick<Console, 'info' | 'warn' | 'error'>;
}

/** Running totals since the process started. */
export interface WebhookDeliveryStats {
  /** Attempts made. */
  attempts: number;
  /** Attempts answered with a 2xx. */
  delivered: number;
  /** Attempts that failed (any other answer, no answer, or a refused destination). */
  failed: number;
  /** Failed attempts with another one scheduled. */
  retriesScheduled: number;
  /** Deliveries that ran out of attempts. */
  exhausted: number;
  /** Endpoints this process disabled after repeated failure. */
  disabledEndpoints: number;
  /** Finished deliveries this process deleted from the log (older than it keeps). */
  pruned: number;
}

export const DEFAULT_WEBHOOK_DISABLE_RULE: WebhookDisableRule = { failures: 10, afterMs: 5 * 24 * 3_600_000 };
const DEFAULT_POLL_MS = 1_000;
const DEFAULT_BATCH_SIZE = 16;
const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_LOG_KEEP_MS = 30 * 24 * 3_600_000;
/** The log is pruned at most this often, this many rows per statement. */
const PRUNE_EVERY_MS = 10 * 60_000;
const PRUNE_BATCH = 1_000;

/**
 * Sends the outbox's due deliveries in the processes that run executions: claims a batch, signs
 * and POSTs each, records the outcome and schedules the next attempt; disables an endpoint that
 * keeps failing (and audits it). A claim holds a delivery for twice the timeout: a worker
 * that dies mid-send lets it go to another then, so every delivery is sent at least once.
 */
export class WebhookDeliveryJob {
  private readonly logger: Pick<Console, 'info' | 'warn' | 'error'>;
  private readonly stats: WebhookDeliveryStats = { attempts: 0, delivered: 0, failed: 0, retriesScheduled: 0, exhausted: 0, disabledEndpoints: 0, pruned: 0 };
  private readonly schedule: readonly number[];
  private readonly timeoutMs: number;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  /** Woken while claiming: claim again right after. */
  private again = false;
  private started = false;
  /** Sends under way; at most `batchSize`. */
  private readonly inFlight = new Set<Promise<void>>();
  private readonly batchSize: number;
  /** Aborted by `stop`: sends in flight end at once, unrecorded (their claims lapse and another worker sends them). */
  private stopping = new AbortController();
  private prunedAt = 0;

  constructor(private readonly deps: WebhookDeliveryJobDeps) {
    this.logger = deps.logger ?? console;
    this.schedule = deps.retryScheduleMs ?? WEBHOOK_RETRY_SCHEDULE_MS;
    this.timeoutMs = deps.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.batchSize = deps.batchSize ?? DEFAULT_BATCH_SIZE;
  }

  /** Sends what is due now, then every `pollMs` and whenever woken, until `stop`. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.stopping = new AbortController();
    this.wake();
  }

  /** No more claims; sends in flight are cut short and left to their claims' lapse. */
  async stop(): Promise<void> {
    this.started = false;
    this.stopping.abort();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
    await Promise.all(this.inFlight);
  }

  /** Something was queued (events committed, a resend): look now rather than at the next poll. */
  wake(): void {
    if (!this.started) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.running = this.loop().finally(() => {
      this.running = null;
      if (this.started) this.timer = setTimeout(() => this.wake(), this.deps.pollMs ?? DEFAULT_POLL_MS).unref();
    });
  }

  /** Totals since start, for metrics. */
  getStats(): WebhookDeliveryStats {
    return { ...this.stats };
  }

  /** Deliveries waiting or in flight, in the whole deployment. */
  pendingCount(): Promise<number> {
    return this.deps.store.pendingCount();
  }

  /** Claims while there are free slots and something is due (a full claim suggests more is). */
  private async loop(): Promise<void> {
    try {
      let claimed: number;
      let free: number;
      do {
        this.again = false;
        free = this.batchSize - this.inFlight.size;
        claimed = free > 0 ? await this.claim(free) : 0;
      } while (this.started && free > 0 && (this.again || claimed >= free));
    } catch (error) {
      this.logger.warn(`[webhooks] could not claim deliveries: ${String(error)}`);
    }
    if (this.started && Date.now() - this.prunedAt >= PRUNE_EVERY_MS) await this.pruneLog();
  }

  /** Deletes finished deliveries older than the log keeps, a batch per statement (every worker may; they take turns by row). */
  private async pruneLog(): Promise<void> {
    this.prunedAt = Date.now();
    const before = new Date(Date.now() - (this.deps.logKeepMs ?? DEFAULT_LOG_KEEP_MS));
    try {
      let deleted: number;
      do {
        deleted = await this.deps.store.pruneLog(before, PRUNE_BATCH);
        this.stats.pruned += deleted;
      } while (this.started && deleted === PRUNE_BATCH);
    } catch (error) {
      this.logger.warn(`[webhooks] could not prune the delivery log: ${String(error)}`);
    }
  }

  /**
   * Claims up to `limit` due deliveries in one short statement and sends them without waiting: a
   * slow endpoint holds its own slots, not the others' messages. Each that ends frees its slot.
   */
  private async claim(limit: number): Promise<number> {
    // The claim outlasts an attempt (twice its timeout), so a live worker's delivery is never sent twice at once.
    const batch = await this.deps.store.claimDue(limit, this.timeoutMs * 2);
    for (const delivery of batch) {
      const sending: Promise<void> = this.deliver(delivery)
        .catch((error: unknown) => this.logger.warn(`[webhooks] delivery ${delivery.id} failed: ${String(error)}`))
        .finally(() => {
          this.inFlight.delete(sending);
          this.wake();
        });
      this.inFlight.add(sending);
    }
    return batch.length;
  }

  private async deliver(delivery: ClaimedWebhookDelivery): Promise<void> {
    // Claimed as `stop` began: given back untried.
    if (this.stopping.signal.aborted) return this.release(delivery);
    this.stats.attempts++;
    const result = await this.attempt(delivery);
    // Cut short by `stop`: not the receiver's failure, and not one of its attempts.
    if (this.stopping.signal.aborted && result.statusCode === null) return this.release(delivery);
    try {
      if (result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300) {
        if (await this.deps.store.recordDelivered(delivery, result)) this.stats.delivered++;
        return;
      }
      this.stats.failed++;
      const retryInMs = retryDelayMs(this.schedule, delivery.attempts);
      const { disabledReason } = await this.deps.store.recordFailed(delivery, result, retryInMs, this.deps.disableAfter ?? DEFAULT_WEBHOOK_DISABLE_RULE);
      if (retryInMs === null) this.stats.exhausted++;
      else this.stats.retriesScheduled++;
      if (disabledReason) await this.recordDisabled(delivery, disabledReason);
    } catch (error) {
      // The claim lapses and another attempt follows: at least once.
      this.logger.warn(`[webhooks] could not record delivery ${delivery.id}: ${String(error)}`);
    }
  }

  private async release(delivery: ClaimedWebhookDelivery): Promise<void> {
    try {
      await this.deps.store.release(delivery);
    } catch (error) {
      // Its claim lapses instead.
      this.logger.warn(`[webhooks] could not give back delivery ${delivery.id}: ${String(error)}`);
    }
  }

  /**
   * Checks the destination again (its address may have changed since it was registered), then
   * sends; the lookup and the send share one timeout, so an attempt never outlasts its claim.
   */
  private async attempt(delivery: ClaimedWebhookDelivery): Promise<SendResult> {
    const startedAt = performance.now();
    try {
      const destination = await checkDestination(delivery.url, this.deps.destinations, this.timeoutMs);
      const left = Math.max(1, this.timeoutMs - Math.round(performance.now() - startedAt));
      return await sendWebhook(destination, { messageId: delivery.messageId, payload: delivery.payload, secret: delivery.secret }, left, this.stopping.signal);
    } catch (error) {
      const message = error instanceof WebhookDestinationError ? `refused: ${error.message}` : String(error);
      return { statusCode: null, latencyMs: Math.round(performance.now() - startedAt), error: message };
    }
  }

  private async recordDisabled(delivery: ClaimedWebhookDelivery, reason: string): Promise<void> {
    this.stats.disabledEndpoints++;
    this.logger.warn(`[webhooks] endpoint ${delivery.endpointId} disabled: ${reason}`);
    await this.deps.audit.record({
      action: 'webhook-disabled',
      subject: redactedWebhookUrl(delivery.url),
      details: { endpointId: delivery.endpointId, reason },
    });
  }
}
