import { queuedIterable, type EventBus, type EventStore, type ExecutionRepository } from '@aae/db';
import { isTerminalEvent, type StoredEvent } from '@aae/events';

/**
 * Where one watcher's events go: a socket (written in a wire format) or a reader's queue. The
 * core decides what to send and when; the sink only writes.
 */
export interface EventSink {
  /** Takes one event; false when it holds more than it may, and the watcher is then cut. */
  send(event: StoredEvent): boolean;
  /**
   * Takes several events at once while catching up. Watchers reading the same history get the
   * same array, so a sink may keep what it made of it (one buffer per page, not one per watcher).
   */
  sendMany(events: readonly StoredEvent[]): boolean;
  /** While catching up: resolves once the sink can take more; null when it can now. */
  whenWritable(): Promise<void> | null;
  /** The terminal event was sent: nothing follows. */
  finish(): void;
  /** Dropped (too slow, or its history could not be read): its client resumes by id. */
  fail(error: SlowWatcherError | unknown): void;
}

/** A watcher asked to resume after a sequence its execution has not reached (answered as a bad request). */
export class SequenceNotReachedError extends Error {
  override name = 'SequenceNotReachedError';
  constructor(executionId: number, after: number) {
    super(`lastEventId "evt_${executionId}_${after}" is not an event of execution ${executionId} (it has not reached that sequence)`);
  }
}

/** A watcher that fell too far behind: cut so it resumes from its last id, instead of growing the heap. */
export class SlowWatcherError extends Error {
  override name = 'SlowWatcherError';
  constructor() {
    super('This stream fell too far behind the events; connecting again from the last event received');
  }
}

export interface FanOutOptions {
  events: Pick<EventStore, 'listEvents' | 'terminalSequence' | 'lastSequence'>;
  executions: Pick<ExecutionRepository, 'ownerOf' | 'get'>;
  bus: Pick<EventBus, 'watchExecution' | 'watchAll'>;
  /** Events per history read (shared by everyone reading the same stretch). */
  pageSize?: number;
  /** Live events each execution keeps in memory for watchers that attach or fall a little behind. */
  recentEvents?: number;
  /** History pages the process keeps for other watchers reading the same stretch (of any execution). */
  cachedPages?: number;
  /** How long an execution nobody watches keeps its subscription and reads, for watchers coming back. */
  lingerMs?: number;
}

/**
 * Whether the watcher may read an execution, as its caller's rules say (the API supplies them):
 * each check throws the refusal its client is to get.
 */
export interface WatchAccess {
  /** Checked before anything is subscribed or read (a watch token names its one execution). */
  assertWatches(executionId: number): void;
  /** Checked with the execution's owner, read once per execution (null: no such execution). */
  assertCanRead(executionId: number, ownerId: number | null): void;
}

export interface WatchRequest {
  access: WatchAccess;
  executionId: number;
  /** The last sequence the watcher has (0 for everything). */
  after: number;
  sink: EventSink;
  /** Aborted when the watcher goes: it is dropped without another call to its sink. */
  signal: AbortSignal;
}

export interface ExecutionNames {
  assistantName: string;
  userName: string;
}

export interface FanOutStats {
  /** Executions with a live subscription in this process. */
  executions: number;
  watchers: number;
  /** Watchers caught up and taking events as they are published. */
  liveWatchers: number;
  /** History reads sent to the database (each shared by every watcher that needed it). */
  historyReads: number;
  /** Watchers cut for falling too far behind. */
  slowWatchersCut: number;
  /** Events handed to watchers (one per event per watcher), history and live alike. */
  eventsDelivered: number;
}

/**
 * One fan-out core per process: one bus subscription per watched execution (not one per
 * watcher), every event handed to each watcher's sink once and in order, history read once for
 * everyone reading the same stretch, and the execution's owner and end read once per execution.
 * The seed's endpoint, the typed subscription and the per-tab connection all watch through it.
 */
export function createFanOut(options: FanOutOptions) {
  const pageSize = options.pageSize ?? 500;
  const recentLimit = options.recentEvents ?? 512;
  const cachedPages = options.cachedPages ?? 200;
  const lingerMs = options.lingerMs ?? 5_000;
  const channels = new Map<number, Channel>();
  /** History pages by `<execution>:<after>`, shared by every watcher reading the same stretch. */
  const pages = new Map<string, { events: Promise<StoredEvent[]>; issuedAt: number; channel: unknown }>();
  const stats = { historyReads: 0, slowWatchersCut: 0, eventsDelivered: 0 };

  /** One watcher of one execution; it listens for its client going itself (no closure per watcher). */
  class Watcher {
    /** Live: takes events as they are published; otherwise catching up from history and recent events. */
    live = false;
    done = false;

    constructor(
      readonly sink: EventSink,
      /** The last sequence handed to the sink. */
      public cursor: number,
      private readonly channel: Channel,
      private readonly signal: AbortSignal,
    ) {
      signal.addEventListener('abort', this, { once: true });
    }

    /** Its client went. */
    handleEvent() {
      this.channel.remove(this);
    }

    /** Stops listening for its client going. */
    forget() {
      this.signal.removeEventListener('abort', this);
    }
  }

  class Channel {
    readonly watchers = new Set<Watcher>();
    /** Checks and reads in progress that keep the channel open before their watcher joins. */
    private holds = 0;
    private readonly stop = new AbortController();
    private lingering: NodeJS.Timeout | null = null;
    /** The latest published events, contiguous in sequence. */
    private recent: StoredEvent[] = [];
    private owner: Promise<number | null> | null = null;
    private terminal: number | null = null;
    private terminalRead: Promise<number | null> | null = null;
    private terminalKnown = false;
    /** The highest sequence seen published. */
    highest = 0;
    /** History reads by the sequence they start after, kept for other watchers reading the same stretch. */

    /** Events seen published so far: a read made since the last of them is as good as one made now. */
    private published = 0;

    constructor(readonly executionId: number) {
      // Subscribed before anything is read: whatever is published from now on reaches `recent`.
      const live = options.bus.watchExecution(executionId, this.stop.signal);
      void (async () => {
        for await (const event of live) this.publish(event);
      })().catch((error: unknown) => {
        // The bus failed this subscription: its watchers are cut and resume by id (on a new one).
        console.error(`[live] the subscription to execution ${executionId} failed:`, error);
        for (const watcher of [...this.watchers]) this.drop(watcher, error);
        this.close();
      });
    }

    hold() {
      this.holds += 1;
      if (this.lingering) clearTimeout(this.lingering);
      this.lingering = null;
    }

    release() {
      this.holds -= 1;
      this.closeWhenIdle();
    }

    add(watcher: Watcher) {
      this.watchers.add(watcher);
      this.catchingUp += 1;
      void this.catchUp(watcher);
    }

    remove(watcher: Watcher) {
      if (!watcher.live && !watcher.done) this.leaveCatchUp();
      watcher.done = true;
      watcher.forget();
      this.watchers.delete(watcher);
      this.closeWhenIdle();
    }

    /** Removes a watcher whose stream failed, telling its sink why (a sink that throws is only logged). */
    drop(watcher: Watcher, error: unknown) {
      if (watcher.done) return;
      this.remove(watcher);
      try {
        watcher.sink.fail(error);
      } catch (failure) {
        console.error('[live] a stream failed while being ended:', failure);
      }
    }

    /** Closes at once a channel nobody watches nor is about to (an access check failed). */
    closeIfUnused() {
      if (this.watchers.size === 0 && this.holds === 0) this.close();
    }

    /** Watchers catching up. */
    private catchingUp = 0;
    private leaveCatchUp() {
      this.catchingUp -= 1;
    }
    private goLive(watcher: Watcher) {
      watcher.live = true;
      this.leaveCatchUp();
    }

    private closeWhenIdle() {
      if (this.watchers.size > 0 || this.holds > 0 || this.lingering || this.stop.signal.aborted) return;
      this.lingering = setTimeout(() => this.close(), lingerMs);
      this.lingering.unref();
    }

    close() {
      if (this.lingering) clearTimeout(this.lingering);
      this.lingering = null;
      this.stop.abort();
      if (channels.get(this.executionId) === this) channels.delete(this.executionId);
      for (const [key, page] of pages) if (page.channel === this) pages.delete(key);
    }

    async assertCanRead(access: WatchAccess) {
      access.assertWatches(this.executionId);
      this.owner ??= options.executions.ownerOf(this.executionId);
      const owner = this.owner;
      try {
        access.assertCanRead(this.executionId, await owner);
      } catch (error) {
        // A missing execution may yet be created by a caller that guessed its id: asked again next time.
        if (this.owner === owner && (await owner.catch(() => null)) === null) this.owner = null;
        throw error;
      }
    }

    /**
     * The sequence of the execution's terminal event, if it has one: read once (after subscribing,
     * so a terminal event stored later is seen published), then known.
     */
    async terminalSequence(fresh = false): Promise<number | null> {
      if (this.terminal !== null || (this.terminalKnown && !fresh)) return this.terminal;
      this.terminalRead ??= options.events.terminalSequence(this.executionId).finally(() => {
        this.terminalRead = null;
      });
      const read = await this.terminalRead;
      this.terminal ??= read;
      this.terminalKnown = true;
      return this.terminal;
    }

    /** The execution has reached `sequence` (a resuming watcher's last id must be one of its events). */
    async hasReached(sequence: number): Promise<boolean> {
      return sequence <= this.highest || (await options.events.lastSequence(this.executionId)) >= sequence;
    }

    private publish(event: StoredEvent) {
      this.published += 1;
      if (event.sequence > this.highest) this.highest = event.sequence;
      if (isTerminalEvent(event)) this.terminal ??= event.sequence;
      const last = this.recent.at(-1);
      if (!last || event.sequence === last.sequence + 1) this.recent.push(event);
      else if (event.sequence > last.sequence + 1) this.recent = [event];
      if (this.recent.length > recentLimit) this.recent.splice(0, this.recent.length - recentLimit);
      for (const watcher of this.watchers) {
        if (!watcher.live) continue;
        if (event.sequence <= watcher.cursor) {
          // The end, for a watcher that resumed at it before this process saw it: nothing follows.
          if (isTerminalEvent(event) && event.sequence === watcher.cursor) {
            this.remove(watcher);
            watcher.sink.finish();
          }
          continue;
        }
        if (event.sequence > watcher.cursor + 1) {
          // Published out of this watcher's reach (it missed a batch): it catches up from the store.
          watcher.live = false;
          this.catchingUp += 1;
          void this.catchUp(watcher);
          continue;
        }
        try {
          this.deliver(watcher, [event]);
        } catch (error) {
          // One watcher's failure is its own: the others go on.
          this.drop(watcher, error);
        }
      }
    }

    /**
     * Hands `events` (after the watcher's cursor) to its sink; false once it is done with. A live
     * watcher whose sink is full is cut; one catching up is paced by `whenWritable` instead.
     */
    private deliver(watcher: Watcher, events: readonly StoredEvent[]): boolean {
      const last = events.at(-1);
      if (!last || watcher.done) return !watcher.done;
      const end = events.findIndex((event) => isTerminalEvent(event));
      const sent = end === -1 ? events : events.slice(0, end + 1);
      watcher.cursor = sent.at(-1)!.sequence;
      const kept = sent.length === 1 ? watcher.sink.send(sent[0]!) : watcher.sink.sendMany(sent);
      stats.eventsDelivered += sent.length;
      if (end !== -1) {
        this.remove(watcher);
        watcher.sink.finish();
        return false;
      }
      if (!kept && watcher.live) {
        stats.slowWatchersCut += 1;
        this.drop(watcher, new SlowWatcherError());
        return false;
      }
      return true;
    }

    /**
     * History after `after`: a page read before (any read is a true prefix of what follows, since
     * stored events never change), one in flight, or a new read; `fresh` asks the database again.
     * `issuedAt` is how many events had been published when the read was sent.
     */
    private page(after: number, fresh: boolean): { events: Promise<StoredEvent[]>; issuedAt: number } {
      const key = `${this.executionId}:${after}`;
      const known = pages.get(key);
      if (known && known.channel === this && !fresh) return known;
      stats.historyReads += 1;
      const read = { events: options.events.listEvents(this.executionId, { afterSequence: after, limit: pageSize }), issuedAt: this.published, channel: this };
      pages.delete(key);
      pages.set(key, read);
      // The process keeps at most `cachedPages` pages, of every execution: the oldest read go first.
      while (pages.size > cachedPages) pages.delete(pages.keys().next().value!);
      read.events.catch(() => {
        if (pages.get(key) === read) pages.delete(key);
      });
      return read;
    }

    /**
     * Brings a watcher from its cursor up to the live events: history pages (shared), then the
     * recent events, then live, switched in one synchronous step so nothing published in between
     * is missed or sent twice.
     */
    private async catchUp(watcher: Watcher) {
      try {
        let fresh = false;
        let rereads = 0;
        while (!watcher.done) {
          const first = this.recent[0];
          if (first && first.sequence <= watcher.cursor + 1) {
            const from = watcher.cursor + 1 - first.sequence;
            if (from < this.recent.length) {
              if (!this.deliver(watcher, this.recent.slice(from))) return;
              // Live only once the socket has taken the catch-up: a live watcher is judged by what waits for it.
              const wait = watcher.sink.whenWritable();
              if (wait) {
                await wait;
                continue;
              }
            }
            this.goLive(watcher);
            return;
          }
          const read = this.page(watcher.cursor, fresh);
          const events = await read.events;
          if (watcher.done) return;
          const from = events.findIndex((event) => event.sequence > watcher.cursor);
          if (from !== -1) {
            fresh = false;
            rereads = 0;
            if (!this.deliver(watcher, from === 0 ? events : events.slice(from))) return;
            const wait = watcher.sink.whenWritable();
            if (wait) await wait;
            continue;
          }
          // Nothing stored after the cursor when the read was made, and nothing published since:
          // whatever comes next will be published, so live from here (no read of its own needed).
          if (read.issuedAt === this.published) {
            this.goLive(watcher);
            return;
          }
          // Events were published since that read: ask again (the recent events may have them first).
          fresh = true;
          rereads += 1;
          // Published, yet never in the store read after it: only a store that lags (a replica)
          // does that. Cut rather than skip: the client resumes from its last event.
          if (rereads > 5) throw new Error(`events of execution ${this.executionId} after ${watcher.cursor} were published but are not in the store`);
        }
      } catch (error) {
        this.drop(watcher, error);
      }
    }
  }

  /** The feed of every execution's events: one bus subscription for all its readers. */
  const feedReaders = new Set<(event: StoredEvent) => void>();
  let feedStop: AbortController | null = null;
  function startFeed() {
    const stop = new AbortController();
    feedStop = stop;
    void (async () => {
      for await (const event of options.bus.watchAll(stop.signal)) for (const reader of feedReaders) reader(event);
    })().catch((error: unknown) => console.error('[live] the feed of every execution failed:', error));
  }
  /** Who ran each execution the feed mentions, read once per execution and minute (the latest few thousand kept). */
  const described = new Map<number, { names: Promise<ExecutionNames | null>; until: number }>();
  const DESCRIBED_LIMIT = 5_000;
  const DESCRIBED_MS = 60_000;

  function channelFor(executionId: number): Channel {
    let channel = channels.get(executionId);
    if (!channel) {
      channel = new Channel(executionId);
      channels.set(executionId, channel);
    }
    return channel;
  }

  return {
    /**
     * Starts sending an execution's events after `after` to `sink`, once each and in order, then
     * live ones, ending after the terminal event. Checks that the caller may read the execution
     * (with `request.access`, its owner read once per execution). `'ended'` when there is nothing left to send: the
     * execution ended and the watcher has every event.
     */
    async watch(request: WatchRequest): Promise<'watching' | 'ended'> {
      const { executionId, after } = request;
      // A watch token names its execution: nothing is subscribed for any other.
      request.access.assertWatches(executionId);
      const channel = channelFor(executionId);
      channel.hold();
      let held = true;
      try {
        await channel.assertCanRead(request.access);
        // Resuming past what this process has seen published: where the execution is, and whether it ended, are read afresh.
        const beyond = after > channel.highest;
        if (beyond && !(await channel.hasReached(after))) throw new SequenceNotReachedError(executionId, after);
        const terminal = await channel.terminalSequence(beyond);
        if (terminal !== null && after >= terminal) return 'ended';
        if (request.signal.aborted) return 'ended';
        const watcher = new Watcher(request.sink, after, channel, request.signal);
        channel.add(watcher);
        return 'watching';
      } catch (error) {
        held = false;
        channel.release();
        channel.closeIfUnused();
        throw error;
      } finally {
        if (held) channel.release();
      }
    },

    /**
     * Every execution's events published from the moment of the call on, queued until read (the
     * admin feed), from one bus subscription shared by every reader in the process.
     */
    watchEverything(signal: AbortSignal): AsyncIterable<StoredEvent> {
      return queuedIterable<StoredEvent>((push) => {
        feedReaders.add(push);
        if (!feedStop) startFeed();
        return () => {
          feedReaders.delete(push);
          if (feedReaders.size > 0) return;
          feedStop?.abort();
          feedStop = null;
        };
      }, signal);
    },

    /** The assistant and the person of an execution (null: no such execution), read once per execution and minute for every reader. */
    describe(executionId: number): Promise<ExecutionNames | null> {
      const now = Date.now();
      const known = described.get(executionId);
      if (known && known.until > now) return known.names;
      const names = options.executions
        .get(executionId)
        .then((execution) => (execution ? { assistantName: execution.assistantName, userName: execution.userName } : null));
      names.catch(() => described.delete(executionId));
      described.delete(executionId);
      described.set(executionId, { names, until: now + DESCRIBED_MS });
      if (described.size > DESCRIBED_LIMIT) described.delete(described.keys().next().value!);
      return names;
    },

    stats(): FanOutStats {
      let watchers = 0;
      let live = 0;
      for (const channel of channels.values()) {
        watchers += channel.watchers.size;
        for (const watcher of channel.watchers) if (watcher.live) live += 1;
      }
      return { executions: channels.size, watchers, liveWatchers: live, ...stats };
    },

    /** Drops every subscription (the process is stopping). */
    close() {
      for (const channel of [...channels.values()]) channel.close();
      feedStop?.abort();
      feedStop = null;
    },
  };
}

export type FanOut = ReturnType<typeof createFanOut>;
