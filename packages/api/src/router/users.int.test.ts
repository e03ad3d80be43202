import { hashPassword } from '@aae/auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServices, sessionIdentity, type TestServices } from '../testing/test-services.ts';

let t: TestServices;
beforeAll(async () => {
  t = await createTestServices();
});
afterAll(() => t?.close());

/** A second active admin, signed in; the seeded one is the first. */
async function anotherAdmin(email: string) {
  const user = await t.services.users.createWithPassword({ name: email, email, role: 'admin', passwordHash: await hashPassword('a long enough password') });
  return { user, caller: t.callerAs(sessionIdentity(user)) };
}

describe('never without an active admin', () => {
  it('lets only one of two admins demoting each other at the same moment succeed', async () => {
    const first = t.callerAs(sessionIdentity(t.people.admin));
    const second = await anotherAdmin('second-admin@example.test');
    const results = await Promise.allSettled([
      first.users.setRole({ userId: second.user.id, role: 'member' }),
      second.caller.users.setRole({ userId: t.people.admin.id, role: 'member' }),
    ]);
    expect(results.map((result) => result.status).sort()).toEqual(['fulfilled', 'rejected']);
    const refusal = results.find((result) => result.status === 'rejected') as PromiseRejectedResult;
    // The second, under the lock, is no longer an admin (were it still one, it would be the last).
    expect(refusal.reason).toMatchObject({ code: 'FORBIDDEN', message: 'You are no longer an active admin' });
    expect(await t.services.users.needsSetup()).toBe(false);
    // Restore: whoever was demoted becomes an admin again.
    const demoted = results[0]!.status === 'fulfilled' ? second.user.id : t.people.admin.id;
    const remaining = demoted === second.user.id ? first : second.caller;
    await remaining.users.setRole({ userId: demoted, role: 'admin' });
  });

  it('lets only one of two admins remove each other, even with a third admin left: the loser is no longer one', async () => {
    const keeper = await anotherAdmin('keeper-admin@example.test');
    const first = await anotherAdmin('rival-one@example.test');
    const second = await anotherAdmin('rival-two@example.test');
    const results = await Promise.allSettled([
      first.caller.users.setRole({ userId: second.user.id, role: 'member' }),
      second.caller.users.setDisabled({ userId: first.user.id, disabled: true }),
    ]);
    expect(results.map((result) => result.status).sort()).toEqual(['fulfilled', 'rejected']);
    const refusal = results.find((result) => result.status === 'rejected') as PromiseRejectedResult;
    expect(refusal.reason).toMatchObject({ code: 'FORBIDDEN', message: 'You are no longer an active admin' });
    // Whoever lost also cannot reset anyone's password any more.
    const loser = results[0]!.status === 'fulfilled' ? second : first;
    await expect(loser.caller.users.setPassword({ userId: keeper.user.id, password: 'long enough now' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    for (const person of [first, second]) {
      await keeper.caller.users.setDisabled({ userId: person.user.id, disabled: true });
    }
    await keeper.caller.users.setDisabled({ userId: keeper.user.id, disabled: false });
  });

  it('lets only one of two admins disabling each other at the same moment succeed', async () => {
    const first = t.callerAs(sessionIdentity(t.people.admin));
    const second = await anotherAdmin('third-admin@example.test');
    // Two active admins besides whoever stays: disable the other two first, then race.
    const others = (await t.services.users.list()).filter(
      (person) => person.role === 'admin' && !person.disabledAt && ![t.people.admin.id, second.user.id].includes(person.id),
    );
    for (const person of others) await first.users.setDisabled({ userId: person.id, disabled: true });
    const results = await Promise.allSettled([
      first.users.setDisabled({ userId: second.user.id, disabled: true }),
      second.caller.users.setDisabled({ userId: t.people.admin.id, disabled: true }),
    ]);
    expect(results.map((result) => result.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(await t.services.users.needsSetup()).toBe(false);
    // Whichever won, both are active admins again for the tests after this one.
    for (const id of [t.people.admin.id, second.user.id]) await t.services.users.setDisabled(id, false);
  });

  it('sets a forgotten password for someone, ending their sessions, and says who did it', async () => {
    const admin = t.callerAs(sessionIdentity(t.people.admin));
    await expect(admin.users.setPassword({ userId: t.people.demo.id, password: 'short' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(admin.users.setPassword({ userId: 2_147_483_647, password: 'long enough now' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(admin.users.setPassword({ userId: 2_147_483_648, password: 'long enough now' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('is not an id'),
    });
    expect(await admin.users.setPassword({ userId: t.people.demo.id, password: 'long enough now' })).toEqual({ userId: t.people.demo.id });
    const { items } = await admin.audit.list({ action: 'password-reset' });
    expect(items[0]).toMatchObject({ actor: { id: t.people.admin.id }, subject: 'demo@example.test' });
  });
});
