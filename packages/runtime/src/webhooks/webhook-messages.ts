import { randomBytes, randomUUID } from 'node:crypto';

/** A new signing secret as Standard Webhooks writes it: `whsec_` and 32 random bytes in base64. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** The type of the message "Send test event" sends; the others are the contract's event types. */
export const WEBHOOK_TEST_TYPE = 'webhook-test';

/** A test message, shaped as every message is: `{ type, timestamp, data }`. */
export function webhookTestMessage(endpointId: number, now = new Date()): { messageId: string; eventType: string; payload: string } {
  const messageId = `msg_test_${randomUUID()}`;
  return {
    messageId,
    eventType: WEBHOOK_TEST_TYPE,
    payload: JSON.stringify({
      type: WEBHOOK_TEST_TYPE,
      timestamp: now.toISOString(),
      data: { endpointId, message: 'A test message from Assistant Architect Events' },
    }),
  };
}
