import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';
import { storable } from '../storable.ts';

/** What the audit log records. */
export const AUDIT_ACTIONS = [
  'sign-in',
  'sign-in-failed',
  'sign-in-throttled',
  'sign-out',
  'account-linked',
  'password-changed',
  'password-reset',
  'setup',
  'user-created',
  'role-changed',
  'account-disabled',
  'account-enabled',
  'token-created',
  'token-revoked',
  'rate-limited',
  'retention-set',
  'retention-removed',
  'retention-swept',
  'webhook-created',
  'webhook-updated',
  'webhook-secret-rotated',
  'webhook-deleted',
  'webhook-disabled',
  'webhook-resent',
  'webhook-test-sent',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditEntry {
  action: AuditAction;
  actorId?: number | null | undefined;
  subjectId?: number | null | undefined;
  /** An email or name, kept as written. */
  subject?: string | null | undefined;
  ipAddress?: string | null | undefined;
  userAgent?: string | null | undefined;
  details?: Record<string, unknown> | undefined;
}

export interface AuditRecord {
  id: string;
  createdAt: Date;
  action: string;
  actor: { id: number; name: string; email: string } | null;
  subjectId: number | null;
  subject: string | null;
  ipAddress: string | null;
  userAgent: string | null;
  details: Record<string, unknown>;
}

const MAX_TEXT = 500;
const clip = (text: string | null | undefined) => (text == null ? null : storable(text.slice(0, MAX_TEXT)));

export function createAuditLog(prisma: PrismaClient) {
  return {
    async record(entry: AuditEntry): Promise<void> {
      await prisma.auditEvent.create({
        data: {
          action: entry.action,
          actorId: entry.actorId ?? null,
          subjectId: entry.subjectId ?? null,
          subject: clip(entry.subject),
          ipAddress: clip(entry.ipAddress),
          userAgent: clip(entry.userAgent),
          details: storable(entry.details ?? {}) as Prisma.InputJsonValue,
        },
      });
    },

    /** Newest first; `cursor` is the last id of the previous page. */
    async list(options: { cursor?: string | undefined; limit: number; action?: AuditAction | undefined; userId?: number | undefined }) {
      const rows = await prisma.auditEvent.findMany({
        where: {
          ...(options.cursor ? { id: { lt: BigInt(options.cursor) } } : {}),
          ...(options.action ? { action: options.action } : {}),
          ...(options.userId ? { OR: [{ actorId: options.userId }, { subjectId: options.userId }] } : {}),
        },
        orderBy: { id: 'desc' },
        take: options.limit + 1,
      });
      const page = rows.slice(0, options.limit);
      const actorIds = [...new Set(page.map((row) => row.actorId).filter((id): id is number => id !== null))];
      const actors = new Map(
        (await prisma.user.findMany({ where: { id: { in: actorIds } }, select: { id: true, name: true, email: true } })).map((user) => [user.id, user]),
      );
      const items: AuditRecord[] = page.map((row) => ({
        id: String(row.id),
        createdAt: row.createdAt,
        action: row.action,
        actor: row.actorId === null ? null : (actors.get(row.actorId) ?? null),
        subjectId: row.subjectId,
        subject: row.subject,
        ipAddress: row.ipAddress,
        userAgent: row.userAgent,
        details: (row.details ?? {}) as Record<string, unknown>,
      }));
      return { items, nextCursor: rows.length > options.limit ? (items.at(-1)?.id ?? null) : null };
    },
  };
}

export type AuditLog = ReturnType<typeof createAuditLog>;
