import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';
import { storable } from '../storable.ts';

/** An endpoint that does not exist (or no longer does). */
export class WebhookEndpointNotFoundError extends Error {
  override name = 'WebhookEndpointNotFoundError';
  constructor(readonly endpointId: number) {
    super(`Webhook endpoint ${endpointId} does not exist`);
  }
}

/** A delivery that does not exist, or not under the endpoint named. */
export class WebhookDeliveryNotFoundError extends Error {
  override name = 'WebhookDeliveryNotFoundError';
  constructor(readonly deliveryId: string) {
    super(`Webhook delivery ${deliveryId} does not exist`);
  }
}

/** An assistant filter naming an assistant that does not exist. */
export class WebhookAssistantNotFoundError extends Error {
  override name = 'WebhookAssistantNotFoundError';
  constructor(readonly assistantId: number) {
    super(`assistantId: assistant ${assistantId} does not exist`);
  }
}

export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed';

const endpointSelect = {
  id: true,
  url: true,
  description: true,
  eventTypes: true,
  assistantId: true,
  enabled: true,
  disabledReason: true,
  disabledAt: true,
  consecutiveFailures: true,
  failingSince: true,
  createdAt: true,
  updatedAt: true,
  assistant: { select: { name: true } },
} satisfies Prisma.WebhookEndpointSelect;

type EndpointRow = Prisma.WebhookEndpointGetPayload<{ select: typeof endpointSelect }>;

/** An endpoint as admins see it: never its secret. */
export interface WebhookEndpointView {
  id: number;
  url: string;
  description: string;
  /** Empty: every event type. */
  eventTypes: string[];
  assistantId: number | null;
  assistantName: string | null;
  enabled: boolean;
  disabledReason: string | null;
  disabledAt: Date | null;
  consecutiveFailures: number;
  failingSince: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** An endpoint with its deliveries counted by status and its latest one. */
export interface WebhookEndpointSummary extends WebhookEndpointView {
  deliveries: Record<WebhookDeliveryStatus, number>;
  lastDelivery: { status: WebhookDeliveryStatus; statusCode: number | null; at: Date | null } | null;
}

const toView = (row: EndpointRow): WebhookEndpointView => {
  const { assistant, ...rest } = row;
  return { ...rest, eventTypes: rest.eventTypes ?? [], assistantName: assistant?.name ?? null };
};

const deliverySelect = {
  id: true,
  endpointId: true,
  messageId: true,
  eventId: true,
  executionId: true,
  eventType: true,
  status: true,
  attempts: true,
  nextAttemptAt: true,
  lastAttemptAt: true,
  lastStatusCode: true,
  lastLatencyMs: true,
  lastError: true,
  resentFromId: true,
  createdAt: true,
  deliveredAt: true,
} satisfies Prisma.WebhookDeliverySelect;

type DeliveryRow = Prisma.WebhookDeliveryGetPayload<{ select: typeof deliverySelect }>;

/** One line of an endpoint's delivery log (ids as strings: they are bigints). */
export interface WebhookDeliveryView {
  id: string;
  endpointId: number;
  messageId: string;
  eventId: string | null;
  executionId: number | null;
  eventType: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  /** When the next attempt is due (pending only). */
  nextAttemptAt: Date | null;
  lastAttemptAt: Date | null;
  lastStatusCode: number | null;
  lastLatencyMs: number | null;
  lastError: string | null;
  resentFromId: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

const toStatus = (status: string): WebhookDeliveryStatus => (status === 'delivered' || status === 'failed' ? status : 'pending');

const toDeliveryView = (row: DeliveryRow): WebhookDeliveryView => ({
  ...row,
  id: row.id.toString(),
  eventId: row.eventId?.toString() ?? null,
  resentFromId: row.resentFromId?.toString() ?? null,
  status: toStatus(row.status),
  nextAttemptAt: row.status === 'pending' ? row.nextAttemptAt : null,
});

/** One attempt at a delivery, as it ended. */
export interface WebhookAttemptView {
  attempt: number;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  createdAt: Date;
}

/** A delivery claimed by a worker: what it needs to sign and send it. */
export interface ClaimedWebhookDelivery {
  id: string;
  endpointId: number;
  messageId: string;
  payload: string;
  /** Attempts made, this one included. */
  attempts: number;
  url: string;
  secret: string;
}

/** The outcome of one attempt. */
export interface WebhookAttemptOutcome {
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
}

export interface NewWebhookEndpoint {
  url: string;
  secret: string;
  description: string;
  eventTypes: string[];
  assistantId: number | null;
  enabled: boolean;
  createdById: number;
}

export interface WebhookEndpointChanges {
  url?: string | undefined;
  description?: string | undefined;
  eventTypes?: string[] | undefined;
  assistantId?: number | null | undefined;
  enabled?: boolean | undefined;
}

/** When an endpoint that keeps failing is disabled: both must hold. */
export interface WebhookDisableRule {
  /** Failed attempts in a row, across its deliveries. */
  failures: number;
  /** For at least this long since the first of them. */
  afterMs: number;
}

const MAX_ERROR = 500;

const attemptRow = (delivery: ClaimedWebhookDelivery, outcome: WebhookAttemptOutcome) => ({
  deliveryId: BigInt(delivery.id),
  attempt: delivery.attempts,
  statusCode: outcome.statusCode,
  latencyMs: outcome.latencyMs,
  error: outcome.error === null ? null : storable(outcome.error.slice(0, MAX_ERROR)),
});

/** Endpoints, their outbox of deliveries (written by the events trigger) and its log. */
export function createWebhookStore(prisma: PrismaClient) {
  async function assistantExists(assistantId: number | null | undefined): Promise<void> {
    if (assistantId === null || assistantId === undefined) return;
    const assistant = await prisma.assistant.findUnique({ where: { id: assistantId }, select: { id: true } });
    if (!assistant) throw new WebhookAssistantNotFoundError(assistantId);
  }

  async function endpoint(id: number): Promise<WebhookEndpointView> {
    const row = await prisma.webhookEndpoint.findUnique({ where: { id }, select: endpointSelect });
    if (!row) throw new WebhookEndpointNotFoundError(id);
    return toView(row);
  }

  return {
    endpoint,

    /** Every endpoint, oldest first, with its deliveries counted by status and its latest one. */
    async list(): Promise<WebhookEndpointSummary[]> {
      const rows = await prisma.webhookEndpoint.findMany({ select: endpointSelect, orderBy: { id: 'asc' } });
      if (rows.length === 0) return [];
      const ids = rows.map((row) => row.id);
      const counts = await prisma.webhookDelivery.groupBy({ by: ['endpointId', 'status'], where: { endpointId: { in: ids } }, _count: { _all: true } });
      const latest = await prisma.$queryRaw<Array<{ endpoint_id: number; status: string; last_status_code: number | null; last_attempt_at: Date | null }>>`
        SELECT DISTINCT ON (endpoint_id) endpoint_id, status, last_status_code, last_attempt_at
        FROM webhook_deliveries WHERE endpoint_id = ANY(${ids}::int[])
        ORDER BY endpoint_id, id DESC`;
      const latestOf = new Map(latest.map((row) => [row.endpoint_id, row]));
      return rows.map((row) => {
        const deliveries: Record<WebhookDeliveryStatus, number> = { pending: 0, delivered: 0, failed: 0 };
        for (const count of counts) if (count.endpointId === row.id) deliveries[toStatus(count.status)] += count._count._all;
        const last = latestOf.get(row.id);
        return {
          ...toView(row),
          deliveries,
          lastDelivery: last ? { status: toStatus(last.status), statusCode: last.last_status_code, at: last.last_attempt_at } : null,
        };
      });
    },

    /** The signing secret (the delivery worker's and a resend's business only). */
    async secretOf(id: number): Promise<string> {
      const row = await prisma.webhookEndpoint.findUnique({ where: { id }, select: { secret: true } });
      if (!row) throw new WebhookEndpointNotFoundError(id);
      return row.secret;
    },

    async create(input: NewWebhookEndpoint): Promise<WebhookEndpointView> {
      await assistantExists(input.assistantId);
      const row = await prisma.webhookEndpoint.create({
        data: {
          ...input,
          description: storable(input.description),
          disabledReason: input.enabled ? null : 'Disabled by an admin',
          disabledAt: input.enabled ? null : new Date(),
        },
        select: endpointSelect,
      });
      return toView(row);
    },

    /**
     * Changes an endpoint. Enabling it clears its failure streak and makes its waiting deliveries
     * due now; disabling it keeps them waiting (they resume when it is enabled again).
     */
    async update(id: number, changes: WebhookEndpointChanges): Promise<{ before: WebhookEndpointView; after: WebhookEndpointView }> {
      const before = await endpoint(id);
      await assistantExists(changes.assistantId);
      const data: Prisma.WebhookEndpointUncheckedUpdateInput = {
        ...(changes.url !== undefined && { url: changes.url }),
        ...(changes.description !== undefined && { description: storable(changes.description) }),
        ...(changes.eventTypes !== undefined && { eventTypes: changes.eventTypes }),
        ...(changes.assistantId !== undefined && { assistantId: changes.assistantId }),
      };
      if (changes.enabled === true && !before.enabled) {
        Object.assign(data, { enabled: true, disabledReason: null, disabledAt: null, consecutiveFailures: 0, failingSince: null });
      } else if (changes.enabled === false && before.enabled) {
        Object.assign(data, { enabled: false, disabledReason: 'Disabled by an admin', disabledAt: new Date() });
      }
      const after = await prisma.$transaction(async (tx) => {
        const row = await tx.webhookEndpoint.update({ where: { id }, data, select: endpointSelect });
        if (changes.enabled === true && !before.enabled) {
          // Not those in flight (an attempt claimed and not yet recorded): their claim still holds.
          await tx.$executeRaw`
            UPDATE webhook_deliveries d SET next_attempt_at = now()
            WHERE d.endpoint_id = ${id} AND d.status = 'pending'
              AND (d.attempts = 0 OR EXISTS (SELECT 1 FROM webhook_attempts a WHERE a.delivery_id = d.id AND a.attempt = d.attempts))`;
        }
        return row;
      });
      return { before, after: toView(after) };
    },

    async setSecret(id: number, secret: string): Promise<void> {
      const updated = await prisma.webhookEndpoint.updateMany({ where: { id }, data: { secret } });
      if (updated.count === 0) throw new WebhookEndpointNotFoundError(id);
    },

    /** Deletes an endpoint and its log; returns what it was. */
    async remove(id: number): Promise<WebhookEndpointView> {
      const before = await endpoint(id);
      await prisma.webhookEndpoint.delete({ where: { id } });
      return before;
    },

    /** An endpoint's log, newest first, a page of `limit` before the delivery `before` (an id). */
    async deliveries(
      endpointId: number,
      page: { limit: number; before?: string | undefined },
    ): Promise<{ items: WebhookDeliveryView[]; nextBefore: string | null }> {
      await endpoint(endpointId);
      const rows = await prisma.webhookDelivery.findMany({
        where: { endpointId, ...(page.before !== undefined && { id: { lt: BigInt(page.before) } }) },
        select: deliverySelect,
        orderBy: { id: 'desc' },
        take: page.limit + 1,
      });
      const items = rows.slice(0, page.limit).map(toDeliveryView);
      return { items, nextBefore: rows.length > page.limit ? (items.at(-1)?.id ?? null) : null };
    },

    async delivery(id: string): Promise<WebhookDeliveryView> {
      const row = await prisma.webhookDelivery.findUnique({ where: { id: BigInt(id) }, select: deliverySelect });
      if (!row) throw new WebhookDeliveryNotFoundError(id);
      return toDeliveryView(row);
    },

    /**
     * Queues a delivery again, due now: a new log line with the same message id and body, so the
     * receiver can tell it is the same message (Standard Webhooks: a resend keeps its `webhook-id`).
     */
    async resend(deliveryId: string): Promise<WebhookDeliveryView> {
      const original = await prisma.webhookDelivery.findUnique({ where: { id: BigInt(deliveryId) } });
      if (!original) throw new WebhookDeliveryNotFoundError(deliveryId);
      const row = await prisma.webhookDelivery.create({
        data: {
          endpointId: original.endpointId,
          messageId: original.messageId,
          eventId: original.eventId,
          executionId: original.executionId,
          eventType: original.eventType,
          payload: original.payload,
          resentFromId: original.id,
        },
        select: deliverySelect,
      });
      return toDeliveryView(row);
    },

    /** Queues a message that carries no stored event (a test message). */
    async enqueue(endpointId: number, message: { messageId: string; eventType: string; payload: string }): Promise<WebhookDeliveryView> {
      await endpoint(endpointId);
      const row = await prisma.webhookDelivery.create({ data: { endpointId, ...message }, select: deliverySelect });
      return toDeliveryView(row);
    },

    /**
     * Claims up to `limit` due deliveries of enabled endpoints (skipping those another worker holds)
     * in one short statement: each counts an attempt and is due again after `leaseMs`, so one whose
     * worker died is claimed again then (at least once).
     */
    async claimDue(limit: number, leaseMs: number): Promise<ClaimedWebhookDelivery[]> {
      const rows = await prisma.$queryRaw<
        Array<{ id: bigint; endpoint_id: number; message_id: string; payload: string; attempts: number; url: string; secret: string }>
      >`
        WITH due AS (
          SELECT d.id, w.url, w.secret FROM webhook_deliveries d
          JOIN webhook_endpoints w ON w.id = d.endpoint_id AND w.enabled
          WHERE d.status = 'pending' AND d.next_attempt_at <= now()
          ORDER BY d.next_attempt_at, d.id
          LIMIT ${limit}
          FOR UPDATE OF d SKIP LOCKED
        )
        UPDATE webhook_deliveries d
        SET attempts = d.attempts + 1, last_attempt_at = now(), next_attempt_at = now() + make_interval(secs => ${leaseMs / 1000}::float8)
        FROM due WHERE d.id = due.id
        RETURNING d.id, d.endpoint_id, d.message_id, d.payload, d.attempts, due.url, due.secret`;
      return rows.map((row) => ({
        id: row.id.toString(),
        endpointId: row.endpoint_id,
        messageId: row.message_id,
        payload: row.payload,
        attempts: row.attempts,
        url: row.url,
        secret: row.secret,
      }));
    },

    /**
     * A 2xx: delivered; the endpoint's failure streak ends. Only while this attempt still holds the
     * delivery (its claim lapsed and another attempt took it: that one records): returns whether it did.
     */
    async recordDelivered(delivery: ClaimedWebhookDelivery, outcome: WebhookAttemptOutcome): Promise<boolean> {
      return prisma.$transaction(async (tx) => {
        const held = await tx.$executeRaw`
          UPDATE webhook_deliveries
          SET status = 'delivered', delivered_at = now(), last_status_code = ${outcome.statusCode}, last_latency_ms = ${outcome.latencyMs}, last_error = NULL
          WHERE id = ${BigInt(delivery.id)} AND attempts = ${delivery.attempts} AND status = 'pending'`;
        if (held === 0) return false;
        await tx.webhookEndpoint.updateMany({ where: { id: delivery.endpointId }, data: { consecutiveFailures: 0, failingSince: null } });
        await tx.webhookAttempt.create({ data: attemptRow(delivery, outcome) });
        return true;
      });
    },

    /**
     * Gives a claimed delivery back, due now and its attempt uncounted (a send cut short by a
     * shutdown is not the receiver's failure); nothing when another attempt holds it already.
     */
    async release(delivery: ClaimedWebhookDelivery): Promise<void> {
      await prisma.$executeRaw`
        UPDATE webhook_deliveries SET attempts = attempts - 1, next_attempt_at = now()
        WHERE id = ${BigInt(delivery.id)} AND attempts = ${delivery.attempts} AND status = 'pending'`;
    },

    /** Deletes up to `limit` delivered or failed deliveries (and their attempts) created before `before`; returns how many. */
    async pruneLog(before: Date, limit: number): Promise<number> {
      return prisma.$executeRaw`
        DELETE FROM webhook_deliveries WHERE id IN (
          SELECT id FROM webhook_deliveries WHERE status <> 'pending' AND created_at < ${before} ORDER BY created_at LIMIT ${limit})`;
    },

    /**
     * A failed attempt, while it still holds the delivery: due again after `retryInMs`, or failed for good when null. Adds to the
     * endpoint's failure streak, and disables it when the streak meets `rule`; returns whether this
     * call disabled it, with the reason.
     */
    async recordFailed(
      delivery: ClaimedWebhookDelivery,
      outcome: WebhookAttemptOutcome,
      retryInMs: number | null,
      rule: WebhookDisableRule,
    ): Promise<{ disabledReason: string | null }> {
      const error = outcome.error === null ? null : storable(outcome.error.slice(0, MAX_ERROR));
      return prisma.$transaction(async (tx) => {
        const held = await tx.$executeRaw`
          UPDATE webhook_deliveries
          SET status = ${retryInMs === null ? 'failed' : 'pending'},
              next_attempt_at = now() + make_interval(secs => ${(retryInMs ?? 0) / 1000}::float8),
              last_status_code = ${outcome.statusCode}, last_latency_ms = ${outcome.latencyMs}, last_error = ${error}
          WHERE id = ${BigInt(delivery.id)} AND attempts = ${delivery.attempts} AND status = 'pending'`;
        // Its claim lapsed and another attempt took it (or an admin's resend path settled it): that one records.
        if (held === 0) return { disabledReason: null };
        await tx.webhookAttempt.create({ data: { ...attemptRow(delivery, outcome), error } });
        const [streak] = await tx.$queryRaw<Array<{ consecutive_failures: number; failing_ms: number; enabled: boolean }>>`
          UPDATE webhook_endpoints
          SET consecutive_failures = consecutive_failures + 1, failing_since = COALESCE(failing_since, now())
          WHERE id = ${delivery.endpointId}
          RETURNING consecutive_failures, enabled, (EXTRACT(EPOCH FROM now() - failing_since) * 1000)::float8 AS failing_ms`;
        if (!streak?.enabled || streak.consecutive_failures < rule.failures || streak.failing_ms < rule.afterMs) return { disabledReason: null };
        const last = outcome.statusCode === null ? (outcome.error ?? 'no response') : `HTTP ${outcome.statusCode}`;
        const reason = storable(`Disabled after ${streak.consecutive_failures} failed attempts in a row (last: ${last})`.slice(0, MAX_ERROR));
        const disabled = await tx.webhookEndpoint.updateMany({
          where: { id: delivery.endpointId, enabled: true },
          data: { enabled: false, disabledReason: reason, disabledAt: new Date() },
        });
        return { disabledReason: disabled.count > 0 ? reason : null };
      });
    },

    /** Every attempt at a delivery, first to last. */
    async attempts(deliveryId: string): Promise<WebhookAttemptView[]> {
      const delivery = await prisma.webhookDelivery.findUnique({ where: { id: BigInt(deliveryId) }, select: { id: true } });
      if (!delivery) throw new WebhookDeliveryNotFoundError(deliveryId);
      return prisma.webhookAttempt.findMany({
        where: { deliveryId: delivery.id },
        select: { attempt: true, statusCode: true, latencyMs: true, error: true, createdAt: true },
        orderBy: { id: 'asc' },
      });
    },

    /** Deliveries waiting or in flight, for metrics. */
    pendingCount(): Promise<number> {
      return prisma.webhookDelivery.count({ where: { status: 'pending' } });
    },
  };
}

export type WebhookStore = ReturnType<typeof createWebhookStore>;
