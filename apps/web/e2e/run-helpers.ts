import type { TestApp, TestPerson } from '@aae/server/testing';

/** Waits until an execution's subscription has delivered its terminal event through the real client. */
export function collectExecutionEventsForTest(app: TestApp, user: TestPerson, executionId: number): Promise<void> {
  return new Promise((resolve, reject) => {
    app.client(user).events.onExecutionEvent.subscribe({ executionId }, { onComplete: resolve, onError: reject });
  });
}
