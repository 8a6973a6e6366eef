/**
 * Relayed traffic between instances (signal, chat, record for a member on another instance), the
 * hot path of the Redis registry. An entry of its own shape, `r <code>/<to> x <server message>`, so
 * that nothing encodes an envelope; the relays of one tick to one instance share one entry (that
 * shape repeated, at most `RELAY_BATCH_MAX` times) when the target says it reads such entries: its
 * presence key holds `RELAY_BATCHES`. An instance of the previous version holds '1' and reads one
 * relay an entry, which is what it gets (rolling upgrades).
 */
import type { MemberId } from '../../src/lobby/protocol.ts';
import { command } from './redis-client.ts';
import type { RedisClient } from './redis-client.ts';
import { instanceKey, STREAM_MAXLEN, streamKey } from './redis-scripts.ts';

/** The value of an instance's presence key when it reads relay entries holding several relays. */
export const RELAY_BATCHES = '2';
/** Relays one batched entry carries at most (a longer burst takes several entries). */
export const RELAY_BATCH_MAX = 64;
const RELAY_CODE = /^[A-Za-z0-9_-]{22}$/;
const RELAY_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The relay counters of `RedisCounters` (redis-lobbies.ts) that the outbox keeps. */
export interface RelayCounters {
  redisRelaysOut: number;
  redisRelaysDropped: number;
  redisErrors: number;
}

/** The relays of this tick, per target instance; sent together at the end of the tick, or sooner by `flush`. */
export class RelayOutbox {
  /** Per target instance, as entry fields (`r`, code/to, `x`, text, ...). */
  private readonly queued = new Map<string, string[]>();
  private flushQueued = false;
  /** What each instance's presence key said: true if it reads batched relay entries. */
  private readonly batching = new Map<string, boolean>();
  /** Instances whose presence key is being read. */
  private readonly asking = new Set<string>();

  constructor(
    private readonly cmd: RedisClient,
    private readonly counters: RelayCounters,
    private readonly isUp: () => boolean,
  ) {}

  /** Queues the server message `text` for member `to` of lobby `code` on instance `inst` (dropped and counted while Redis is down). */
  relay(inst: string, code: string, to: MemberId, text: string): void {
    this.counters.redisRelaysOut += 1;
    if (!this.isUp()) {
      this.counters.redisRelaysDropped += 1;
      return;
    }
    const fields = this.queued.get(inst);
    if (fields === undefined) this.queued.set(inst, ['r', `${code}/${to}`, 'x', text]);
    else fields.push('r', `${code}/${to}`, 'x', text);
    if (!this.flushQueued) {
      this.flushQueued = true;
      process.nextTick(this.flush);
    }
  }

  /**
   * Hands the queued relays to Redis, in their order: one entry per instance that reads batches (at
   * most `RELAY_BATCH_MAX` relays each), one entry per relay to any other. The registry calls this
   * before any other command, so a relay never falls behind a state change sent after it (a chat,
   * then a leave).
   */
  readonly flush = (): void => {
    this.flushQueued = false;
    if (this.queued.size === 0) return;
    for (const [inst, fields] of this.queued) {
      const key = streamKey(inst);
      const step = this.batching.get(inst) === true ? 4 * RELAY_BATCH_MAX : 4;
      if (!this.batching.has(inst)) this.learn(inst);
      for (let i = 0; i < fields.length; i += step) {
        const entry = i === 0 && fields.length <= step ? fields : fields.slice(i, i + step);
        const relays = entry.length / 4;
        // NOMKSTREAM answers null for a stream that is gone (its instance too): those relays are lost.
        command(this.cmd, ['XADD', key, 'NOMKSTREAM', 'MAXLEN', '~', STREAM_MAXLEN, '*', ...entry]).then((id) => {
          if (id === null) this.counters.redisRelaysDropped += relays;
        }, () => this.failed(relays));
      }
    }
    this.queued.clear();
  };

  /** What `inst`'s presence key holds now (null: gone, asked again later): how it reads relays from now on. */
  presence(inst: string, value: string | null): void {
    if (value === null) this.batching.delete(inst);
    else this.batching.set(inst, value === RELAY_BATCHES);
  }

  /** Forgets what it learnt of instances outside `live` (those the registry still mirrors members of). */
  keepOnly(live: ReadonlySet<string>): void {
    for (const inst of this.batching.keys()) if (!live.has(inst)) this.batching.delete(inst);
  }

  /** Reads once whether `inst` reads batched relays (until then it gets one relay an entry). */
  private learn(inst: string): void {
    if (this.asking.has(inst) || !this.isUp()) return;
    this.asking.add(inst);
    command(this.cmd, ['GET', instanceKey(inst)]).then((value) => {
      // No key (gone, or not yet announced): one relay an entry, until a heartbeat's check says more.
      this.batching.set(inst, value === RELAY_BATCHES);
    }, () => {
      this.counters.redisErrors += 1;
    }).finally(() => this.asking.delete(inst));
  }

  private failed(relays: number): void {
    this.counters.redisErrors += 1;
    this.counters.redisRelaysDropped += relays;
  }
}

/** Whether stream entry `fields` is a relay entry (then `readRelays` takes it, whatever it holds). */
export const isRelayEntry = (fields: readonly string[]): boolean => fields[0] === 'r';

/**
 * Hands each relay of a relay entry to `deliver` (lobby code, member, server message text; false if
 * it makes no sense here). Returns how many were bad: malformed, refused by `deliver` or throwing in
 * it; a bad relay costs only itself. An entry that is no whole number of relays, or holds more than
 * `RELAY_BATCH_MAX` (no instance writes one), counts once and delivers nothing.
 */
export function readRelays(fields: readonly string[], deliver: (code: string, to: MemberId, text: string) => boolean): number {
  if (fields.length % 4 !== 0 || fields.length > 4 * RELAY_BATCH_MAX) return 1;
  let bad = 0;
  for (let i = 0; i < fields.length; i += 4) {
    const [code, to, rest] = fields[i] === 'r' && fields[i + 2] === 'x' ? (fields[i + 1] ?? '').split('/') : [];
    const ok = code !== undefined && to !== undefined && rest === undefined && RELAY_CODE.test(code) && RELAY_ID.test(to);
    if (!ok || !deliverSafely(deliver, code, to, fields[i + 3] ?? '')) bad += 1;
  }
  return bad;
}

function deliverSafely(deliver: (code: string, to: MemberId, text: string) => boolean, code: string, to: MemberId, text: string): boolean {
  try {
    return deliver(code, to, text);
  } catch {
    return false; // a fault of ours on one relay must not cost the rest of its entry
  }
}
