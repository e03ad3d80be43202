import type { TestApp } from '@aae/server/testing';

/** Waits until an execution's subscription has delivered its terminal event through the real client. */
export function collectExecutionEventsForTest(app: TestApp, user: string, executionId: number): Promise<void> {
  return new Promise((resolve, reject) => {
    app.client(user).events.onExecutionEvent.subscribe({ executionId }, { onComplete: resolve, onError: reject });
  });
}
