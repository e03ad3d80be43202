import { randomUUID } from 'node:crypto';
import type { StoredEvent } from '@aae/events';
import pg from 'pg';
import { ACCESS_CHANGES, ACCESS_KEY_PATTERN, createInProcessEventBus, type AccessChange, type AccessKey, type EventBus } from './event-bus.ts';
import type { EventStore } from './event-store.ts';
import { createOutputBatcher } from './output-batcher.ts';
import { decodeOutputNotification, encodeOutputNotifications, MAX_PAYLOAD_BYTES, OUTPUT_CHANNEL, outputEndsOf } from './output-notifications.ts';

const CHANNEL = 'aae_events';
/** `<process> <user:id|session:id|token:id|all> <change>`: access ended; every process cuts the matching open streams. */
const ACCESS_CHANNEL = 'aae_access';

export interface PostgresEventBusOptions {
  connectionString: string;
  store: Pick<EventStore, 'listEvents'>;
  logger?: Pick<Console, 'warn' | 'error'>;
  reconnectMs?: number;
  /**
   * How often watched executions are checked against the store, in case an announcement was
   * lost (a NOTIFY that failed after its commit). One query per watched execution, not per reader.
   */
  resyncMs?: number;
  /** How long the live text of an execution is collected before one NOTIFY hands it to the other processes. */
  outputFlushMs?: number;
}

export interface PostgresEventBus extends EventBus {
  /** Resolves once this process listens; live events from other processes flow from then on. */
  ready: Promise<void>;
  /** This process among the others; its LISTEN connection's `application_name` is `aae-listen-<processId>`. */
  processId: string;
  close(): Promise<void>;
}

/** `<process>|<execution>:<from>-<to>,…`: ids only, never payloads. Split to stay under the limit. */
export function encodeNotifications(processId: string, events: readonly StoredEvent[]): string[] {
  const ranges: Array<{ executionId: number; from: number; to: number }> = [];
  for (const event of events) {
    const last = ranges.at(-1);
    if (last && last.executionId === event.executionId && last.to + 1 === event.sequence) last.to = event.sequence;
    else ranges.push({ executionId: event.executionId, from: event.sequence, to: event.sequence });
  }
  const payloads: string[] = [];
  let current = '';
  for (const range of ranges) {
    const part = `${range.executionId}:${range.from}-${range.to}`;
    if (current && processId.length + 1 + current.length + 1 + part.length > MAX_PAYLOAD_BYTES) {
      payloads.push(`${processId}|${current}`);
      current = '';
    }
    current = current ? `${current},${part}` : part;
  }
  if (current) payloads.push(`${processId}|${current}`);
  return payloads;
}

export function decodeNotification(payload: string): { processId: string; ranges: Array<{ executionId: number; from: number; to: number }> } | null {
  const [processId, body] = payload.split('|');
  if (!processId || !body) return null;
  const ranges = [];
  for (const part of body.split(',')) {
    const match = /^(\d+):(\d+)-(\d+)$/.exec(part);
    if (!match) return null;
    ranges.push({ executionId: Number(match[1]), from: Number(match[2]), to: Number(match[3]) });
  }
  return { processId, ranges };
}

/**
 * Shares committed events between server processes on one PostgreSQL database. Each process
 * publishes its own events locally at once and announces their ids with NOTIFY; the others read
 * the rows back (only for executions someone there is watching) and publish them locally. After
 * the LISTEN connection drops and returns, and every `resyncMs`, watched executions are read again
 * from the store, so nothing announced in between is missed; readers skip what they already have.
 *
 * The text models write is not stored until its prompt completes, so it travels in the NOTIFY
 * itself: collected per execution for `outputFlushMs`, sent before the events that complete its
 * prompts, and kept by every process (the text so far of each running prompt) for readers that
 * attach mid-prompt. Text sent while a LISTEN connection is down is lost; each piece says where
 * in its prompt's text it starts, so a process that missed some (it started or reconnected
 * mid-prompt) passes that prompt on no more rather than show a part as the whole. The stored
 * output is the record.
 */
export function createPostgresEventBus(options: PostgresEventBusOptions): PostgresEventBus {
  const local = createInProcessEventBus();
  const logger = options.logger ?? console;
  const reconnectMs = options.reconnectMs ?? 1_000;
  const processId = randomUUID().slice(0, 8);
  const output = createOutputBatcher({
    flushMs: options.outputFlushMs ?? 75,
    send: (batch) => notify(OUTPUT_CHANNEL, encodeOutputNotifications(processId, batch)),
  });
  const watchers = new Map<number, number>();
  let allWatchers = 0;
  /** The last sequence published here, per watched execution, to resume from after a reconnect. */
  const lastPublished = new Map<number, number>();
  let client: pg.Client | null = null;
  let closed = false;
  let outgoing: Promise<void> = Promise.resolve();
  /**
   * Revocations, and ends of live text, that could not be sent: sent once connected again, in
   * order (events are caught up by resync instead; live text itself is stale by then).
   */
  const unsent: Array<{ channel: string; payload: string }> = [];
  let incoming: Promise<void> = Promise.resolve();
  const resyncSafely = (): Promise<void> => resync().catch((error: unknown) => logger.warn(`[event-bus] resync failed: ${String(error)}`));
  const resyncTimer = setInterval(() => {
    if (watchers.size === 0) return;
    incoming = incoming.then(resyncSafely);
  }, options.resyncMs ?? 5_000).unref();

  const isWatched = (executionId: number) => allWatchers > 0 || (watchers.get(executionId) ?? 0) > 0;

  function publishLocally(events: readonly StoredEvent[]) {
    for (const event of events) {
      if (watchers.has(event.executionId)) {
        lastPublished.set(event.executionId, Math.max(lastPublished.get(event.executionId) ?? 0, event.sequence));
      }
    }
    local.publish(events);
  }

  function receive(payload: string) {
    const notification = decodeNotification(payload);
    if (!notification || notification.processId === processId) return;
    // One at a time, so events reach local readers in the order they were announced.
    incoming = incoming.then(async () => {
      for (const range of notification.ranges) {
        if (!isWatched(range.executionId)) continue;
        try {
          const events = await options.store.listEvents(range.executionId, {
            afterSequence: range.from - 1,
            limit: range.to - range.from + 1,
          });
          publishLocally(events);
        } catch (error) {
          // Readers fill the gap from the store when the next event arrives or they poll.
          logger.warn(`[event-bus] could not read announced events of execution ${range.executionId}: ${String(error)}`);
        }
      }
    });
  }

  /**
   * How much of each prompt running in another process arrived here, per execution; `gap` once a
   * piece was missed (this process started or reconnected mid-prompt): its text is not passed on
   * then, as it would not be the whole text so far.
   */
  const received = new Map<number, Map<number, number | 'gap'>>();

  function forgetReceived(executionId: number, promptId?: number) {
    if (promptId === undefined) received.delete(executionId);
    else received.get(executionId)?.delete(promptId);
    local.forgetOutput(executionId, promptId);
  }

  // Applied as it arrives, not after the store reads of `receive`: a prompt's text comes before its completion.
  function receiveOutput(payload: string) {
    const notification = decodeOutputNotification(payload);
    if (!notification || notification.process === processId) return;
    const { executionId } = notification;
    let prompts = received.get(executionId);
    if (!prompts) {
      prompts = new Map();
      received.set(executionId, prompts);
    }
    for (const [promptId, offset, text] of notification.pieces) {
      const length = prompts.get(promptId) ?? 0;
      if (length === 'gap') continue;
      if (offset !== length) {
        prompts.set(promptId, 'gap');
        local.forgetOutput(executionId, promptId);
        continue;
      }
      prompts.set(promptId, length + text.length);
      local.publishOutput({ executionId, promptId, text });
    }
    for (const promptId of notification.promptsEnded ?? []) forgetReceived(executionId, promptId);
    if (notification.executionEnded) forgetReceived(executionId);
  }

  function receiveRevocation(payload: string) {
    const [sender, key, change] = payload.split(' ');
    if (sender === processId || !key || !ACCESS_KEY_PATTERN.test(key) || !change || !(change in ACCESS_CHANGES)) return;
    local.revokeAccess(key as AccessKey, change as AccessChange);
  }

  /**
   * Sends in order after what is already queued; a NOTIFY that fails is logged, and a revocation
   * is kept to send again once connected (other processes must not keep streams it ended), as are
   * the ends of live text without the text (or others would keep it for good). Live text is
   * dropped quietly while not connected: it would log every `outputFlushMs`.
   */
  function notify(channel: string, payloads: readonly string[]) {
    outgoing = outgoing.then(async () => {
      for (const payload of payloads) {
        try {
          if (!client) throw new Error('not connected');
          await client.query('SELECT pg_notify($1, $2)', [channel, payload]);
        } catch (error) {
          if (channel === ACCESS_CHANNEL) unsent.push({ channel, payload });
          const ends = channel === OUTPUT_CHANNEL ? outputEndsOf(payload) : null;
          if (ends) unsent.push({ channel, payload: ends });
          // Not every `outputFlushMs` while not connected.
          if (channel !== OUTPUT_CHANNEL || client) {
            logger.warn(`[event-bus] NOTIFY on ${channel} failed${channel === ACCESS_CHANNEL ? ' (sent again once connected)' : ''}: ${String(error)}`);
          }
        }
      }
    });
  }

  // Catches up the watchers of each execution; the feed of every execution is live-only.
  async function resync() {
    for (const executionId of watchers.keys()) {
      const events = await options.store.listEvents(executionId, { afterSequence: lastPublished.get(executionId) ?? 0 });
      if (events.length === 0) continue;
      lastPublished.set(executionId, Math.max(lastPublished.get(executionId) ?? 0, events.at(-1)!.sequence));
      local.republishToExecutionWatchers(events);
    }
  }

  async function connect(isReconnect: boolean): Promise<void> {
    // Kept alive, so an idle connection is not dropped along the way (each drop cuts every stream here).
    const next = new pg.Client({ connectionString: options.connectionString, application_name: `aae-listen-${processId}`, keepAlive: true });
    next.on('notification', (message) => {
      if (message.channel === CHANNEL && message.payload) receive(message.payload);
      if (message.channel === ACCESS_CHANNEL && message.payload) receiveRevocation(message.payload);
      if (message.channel === OUTPUT_CHANNEL && message.payload) receiveOutput(message.payload);
    });
    next.on('error', (error) => logger.warn(`[event-bus] LISTEN connection error: ${String(error)}`));
    next.on('end', () => {
      if (client === next) client = null;
      if (!closed) setTimeout(() => void reconnect(), reconnectMs).unref();
    });
    await next.connect();
    await next.query(`LISTEN ${CHANNEL}`);
    await next.query(`LISTEN ${ACCESS_CHANNEL}`);
    await next.query(`LISTEN ${OUTPUT_CHANNEL}`);
    if (closed) {
      await next.end();
      return;
    }
    client = next;
    for (const { channel, payload } of unsent.splice(0)) notify(channel, [payload]);
    if (isReconnect) {
      incoming = incoming.then(resyncSafely);
      // Text and ends sent meanwhile are lost: what arrived before is not the whole text, and
      // prompts that go on are passed on no more (their next piece shows the gap).
      for (const executionId of [...received.keys()]) forgetReceived(executionId);
      // Revocations announced while this process was not listening are lost: every open stream
      // connects again, and its access is checked afresh (events resume where they stopped).
      local.revokeAccess('all', 'contact-lost');
    }
  }

  async function reconnect(): Promise<void> {
    if (closed || client) return;
    try {
      await connect(true);
      logger.warn('[event-bus] LISTEN connection restored');
    } catch (error) {
      logger.warn(`[event-bus] LISTEN reconnect failed, retrying in ${reconnectMs} ms: ${String(error)}`);
      setTimeout(() => void reconnect(), reconnectMs).unref();
    }
  }

  const ready = connect(false).catch((error: unknown) => {
    logger.warn(`[event-bus] could not LISTEN yet, retrying: ${String(error)}`);
    setTimeout(() => void reconnect(), reconnectMs).unref();
  });

  function track(executionId: number | null, signal: AbortSignal) {
    if (executionId === null) allWatchers++;
    else watchers.set(executionId, (watchers.get(executionId) ?? 0) + 1);
    signal.addEventListener(
      'abort',
      () => {
        if (executionId === null) {
          allWatchers--;
          return;
        }
        const count = (watchers.get(executionId) ?? 1) - 1;
        if (count > 0) watchers.set(executionId, count);
        else {
          watchers.delete(executionId);
          lastPublished.delete(executionId);
        }
      },
      { once: true },
    );
  }

  return {
    ready,
    processId,
    publish(events) {
      publishLocally(events);
      // The last words of completed prompts go first, on the same connection: received before the completion.
      output.settle(events);
      // Should a NOTIFY fail, other processes' readers poll the store when idle and catch up.
      notify(CHANNEL, encodeNotifications(processId, events));
    },
    revokeAccess(key, change) {
      local.revokeAccess(key, change);
      notify(ACCESS_CHANNEL, [`${processId} ${key} ${change}`]);
    },
    abortOnRevoke: (keys, controller, since) => local.abortOnRevoke(keys, controller, since),
    watchExecution(executionId, signal) {
      track(executionId, signal);
      return local.watchExecution(executionId, signal);
    },
    watchAll(signal) {
      track(null, signal);
      return local.watchAll(signal);
    },
    publishOutput(delta) {
      local.publishOutput(delta);
      output.add(delta);
    },
    // Text from other processes is published locally as it arrives, so the local bus has it all.
    watchOutput: (executionId, signal) => local.watchOutput(executionId, signal),
    async close() {
      output.close();
      closed = true;
      clearInterval(resyncTimer);
      await outgoing;
      const current = client;
      client = null;
      await current?.end().catch(() => {});
    },
  };
}
