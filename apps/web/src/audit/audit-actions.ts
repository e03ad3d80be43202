import type { RouterInputs } from '@aae/api';

export type AuditAction = NonNullable<Extract<RouterInputs['audit']['list'], object>['action']>;

/** Every action the log records, as a person reads it; the Record keeps the list complete. */
export const AUDIT_ACTION_LABELS: Record<AuditAction, string> = {
  'sign-in': 'Signed in',
  'sign-in-failed': 'Sign-in failed',
  'sign-in-throttled': 'Sign-in refused: too many attempts',
  'rate-limited': 'Refused: over a usage limit',
  'sign-out': 'Signed out',
  'account-linked': 'Single sign-on joined to the account',
  'password-changed': 'Password changed',
  'password-reset': 'Password set by an admin',
  setup: 'First admin created',
  'user-created': 'Person added',
  'role-changed': 'Role changed',
  'account-disabled': 'Account disabled',
  'account-enabled': 'Account enabled',
  'token-created': 'Token created',
  'token-revoked': 'Token revoked',
  'retention-set': 'Retention policy set',
  'retention-removed': 'Retention policy removed',
  'retention-swept': 'Expired executions deleted',
  'webhook-created': 'Webhook endpoint added',
  'webhook-updated': 'Webhook endpoint changed',
  'webhook-secret-rotated': 'Webhook signing secret rotated',
  'webhook-deleted': 'Webhook endpoint deleted',
  'webhook-disabled': 'Webhook endpoint disabled after failures',
  'webhook-resent': 'Webhook delivery sent again',
  'webhook-test-sent': 'Webhook test message sent',
};

export const AUDIT_ACTIONS = Object.keys(AUDIT_ACTION_LABELS) as AuditAction[];

export function isAuditAction(value: string | null): value is AuditAction {
  return value !== null && Object.hasOwn(AUDIT_ACTION_LABELS, value);
}

/** An entry's details as short `name: value` phrases. */
export function describeDetails(details: Record<string, unknown>): string[] {
  return Object.entries(details).map(([name, value]) => {
    const shown = Array.isArray(value) ? value.map(describeValue).join(', ') : describeValue(value);
    return `${name}: ${shown}`;
  });
}

function describeValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
