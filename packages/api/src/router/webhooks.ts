import type { AuditAction } from '@aae/db';
import { EVENT_TYPES } from '@aae/events';
import { checkDestination, newWebhookSecret, redactedWebhookUrl, webhookTestMessage } from '@aae/runtime';
import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import type { Context } from '../context.ts';
import { idSchema } from '../schemas.ts';
import { adminProcedure } from '../trpc.ts';

const urlSchema = z.string({ error: 'url is required' }).trim().min(1, 'url is required').max(2_000, 'url must be at most 2000 characters');
const descriptionSchema = z.string().trim().max(500, 'description must be at most 500 characters');
/** The contract's event types; none: every type. */
const eventTypesSchema = z
  .array(z.enum(EVENT_TYPES, { error: `eventTypes: each must be one of ${EVENT_TYPES.join(', ')}` }))
  .max(EVENT_TYPES.length)
  .transform((types) => [...new Set(types)]);
const endpointIdSchema = z.object({ endpointId: idSchema });
/** Delivery ids are bigints, carried as decimal strings. */
const deliveryIdSchema = z
  .string()
  .regex(/^[1-9]\d{0,18}$/, 'deliveryId must be a delivery id (digits)')
  // Zod runs every check, so this one must hold for the strings the regex refuses too.
  .refine((id) => !/^\d+$/.test(id) || BigInt(id) <= 9_223_372_036_854_775_807n, 'deliveryId is larger than any delivery id');

/** One audit row for an admin's change to webhooks, naming the endpoint's URL when known. */
function audit(ctx: Context & { identity: { user: { id: number } } }, action: AuditAction, details: Record<string, unknown>, subject?: string) {
  // Only the URL's origin and first segment: the rest may be a credential (chat services put theirs there).
  return ctx.services.audit.record({
    action,
    actorId: ctx.identity.user.id,
    subject: subject === undefined ? null : redactedWebhookUrl(subject),
    ...ctx.origin,
    details,
  });
}

/** The destination passes the SSRF policy now (it is checked again at every attempt). */
async function checkedUrl(ctx: Context, url: string): Promise<string> {
  return (await checkDestination(url, ctx.services.webhooks.destinations)).url.href;
}

export const webhooksRouter = {
  /** Every endpoint with its deliveries counted by status, its latest, and why it is disabled (admins). Secrets are never listed. */
  list: adminProcedure.query(({ ctx }) => ctx.services.webhooks.store.list()),

  /** The event types an endpoint may choose; none chosen means all of them. */
  eventTypes: adminProcedure.query(() => [...EVENT_TYPES]),

  /** Registers an endpoint (admins); the answer carries its signing secret, shown this once. */
  create: adminProcedure
    .input(
      z.object({
        url: urlSchema,
        description: descriptionSchema.default(''),
        eventTypes: eventTypesSchema.default([]),
        assistantId: idSchema.nullish().transform((id) => id ?? null),
        enabled: z.boolean().default(true),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const url = await checkedUrl(ctx, input.url);
      const secret = newWebhookSecret();
      const endpoint = await ctx.services.webhooks.store.create({ ...input, url, secret, createdById: ctx.identity.user.id });
      await audit(
        ctx,
        'webhook-created',
        { endpointId: endpoint.id, eventTypes: endpoint.eventTypes, assistantId: endpoint.assistantId, enabled: endpoint.enabled },
        url,
      );
      return { endpoint, secret };
    }),

  /** Changes an endpoint (admins). Enabling a disabled one clears its failures and resumes its waiting deliveries. */
  update: adminProcedure
    .input(
      endpointIdSchema.extend({
        url: urlSchema.optional(),
        description: descriptionSchema.optional(),
        eventTypes: eventTypesSchema.optional(),
        assistantId: idSchema.nullable().optional(),
        enabled: z.boolean().optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const { endpointId, ...changes } = input;
      const url = changes.url === undefined ? undefined : await checkedUrl(ctx, changes.url);
      const { before, after } = await ctx.services.webhooks.store.update(endpointId, { ...changes, url });
      await audit(ctx, 'webhook-updated', { endpointId, changes: Object.keys(changes), enabledBefore: before.enabled, enabled: after.enabled }, after.url);
      // Deliveries it kept waiting are due now.
      if (after.enabled && !before.enabled) ctx.services.webhooks.job.wake();
      return after;
    }),

  /** A new signing secret (admins), shown this once; the old one stops signing at once. */
  rotateSecret: adminProcedure.input(endpointIdSchema).mutation(async ({ ctx, input }) => {
    const endpoint = await ctx.services.webhooks.store.endpoint(input.endpointId);
    const secret = newWebhookSecret();
    await ctx.services.webhooks.store.setSecret(input.endpointId, secret);
    await audit(ctx, 'webhook-secret-rotated', { endpointId: endpoint.id }, endpoint.url);
    return { secret };
  }),

  /** Deletes an endpoint and its delivery log (admins). */
  delete: adminProcedure.input(endpointIdSchema).mutation(async ({ ctx, input }) => {
    const removed = await ctx.services.webhooks.store.remove(input.endpointId);
    await audit(ctx, 'webhook-deleted', { endpointId: removed.id }, removed.url);
    return { deleted: true };
  }),

  /** An endpoint's delivery log, newest first; `before` is the last id of the page before (admins). */
  deliveries: adminProcedure
    .input(endpointIdSchema.extend({ before: deliveryIdSchema.optional(), limit: z.number().int().min(1).max(100).default(25) }))
    .query(({ ctx, input }) => ctx.services.webhooks.store.deliveries(input.endpointId, { limit: input.limit, before: input.before })),

  /** Every attempt at a delivery, first to last: its answer, latency or error (admins). */
  attempts: adminProcedure.input(z.object({ deliveryId: deliveryIdSchema })).query(({ ctx, input }) => ctx.services.webhooks.store.attempts(input.deliveryId)),

  /**
   * Sends a delivery again (admins): a new line in the log with the same message, `webhook-id`
   * included, so a receiver that already processed it can tell.
   */
  resend: adminProcedure.input(z.object({ deliveryId: deliveryIdSchema })).mutation(async ({ ctx, input }) => {
    const delivery = await ctx.services.webhooks.store.resend(input.deliveryId);
    await audit(ctx, 'webhook-resent', {
      endpointId: delivery.endpointId,
      deliveryId: delivery.id,
      resentFromId: input.deliveryId,
      messageId: delivery.messageId,
    });
    ctx.services.webhooks.job.wake();
    return delivery;
  }),

  /** Queues a `webhook-test` message to an endpoint (admins). */
  sendTest: adminProcedure.input(endpointIdSchema).mutation(async ({ ctx, input }) => {
    const delivery = await ctx.services.webhooks.store.enqueue(input.endpointId, webhookTestMessage(input.endpointId));
    await audit(ctx, 'webhook-test-sent', { endpointId: input.endpointId, deliveryId: delivery.id });
    ctx.services.webhooks.job.wake();
    return delivery;
  }),
} satisfies TRPCRouterRecord;
