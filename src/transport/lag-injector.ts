/**
 * A decorator that adds artificial latency, jitter, loss, burst loss, duplication, reordering and a
 * bandwidth cap to ANY `PeerSocket` (a real WebRTC data channel in the browser, the loopback in
 * tests), using the same `LinkModel` as the network simulator.
 *
 * It owns no timer: held datagrams are released when the caller polls. Incoming datagrams are
 * delayed from their arrival: `Datagram.at` where the inner socket stamps it (the browser's mesh, on
 * the same `performance.now()` clock), else when `receiveAll` pulls them from the inner socket (then
 * arrival times are quantized to the polling rate, one frame in a game); either way a later
 * `receiveAll` returns them once due, so injected latency L costs L plus up to one poll interval, as a
 * real link of latency L does.
 * Outgoing datagrams (direction `outgoing` or `both`) are forwarded to the inner socket by the first
 * `send`, `receiveAll` or `flush` call at or after their due time. Each remote peer and direction has
 * its own seeded stream, `deriveSeed(seed, direction, peer)`.
 */
import type { Datagram, PeerId, PeerSocket } from '../netcode/socket.ts';
import { LinkModel, PERFECT_LINK, validateLinkConditions, type LinkConditions } from './link-model.ts';
import { DeliveryQueue } from './sim-network.ts';
import { deriveSeed } from './seeded-random.ts';

/** Which traffic the conditions apply to. */
export const LagDirection = {
  /** Datagrams received (default): one injector per peer delays what that peer hears. */
  incoming: 'incoming',
  /** Datagrams sent. */
  outgoing: 'outgoing',
  /** Both, each with the full conditions: a round trip through one injector pays latency twice. */
  both: 'both',
} as const;

/**
 * When `d` arrived: its stamp if it has one on our clock (not later than now, nor more than a second
 * before: a stamp from another clock is ignored), else now.
 */
function arrivedAt(d: Datagram, now: number): number {
  const at = d.at;
  return at !== undefined && at <= now && at >= now - 1000 ? at : now;
}

/** Which traffic the conditions apply to. */
export type LagDirection = (typeof LagDirection)[keyof typeof LagDirection];

/** Options of a `LagInjector`. */
export interface LagInjectorOptions {
  /** Clock in ms: `() => performance.now()` in the browser, a manual clock in tests. */
  readonly now: () => number;
  /** Root seed of the per-peer streams. */
  readonly seed: number;
  /** Initial conditions (default `PERFECT_LINK`: a pass-through). */
  readonly conditions?: LinkConditions;
  /** Default `incoming`. */
  readonly direction?: LagDirection;
}

/** Counters of a `LagInjector` (a snapshot). */
export interface LagInjectorStats {
  /** Datagrams taken from the inner socket. */
  readonly received: number;
  /** Datagrams handed to the caller (duplicates count twice). */
  readonly delivered: number;
  /** Datagrams the caller sent. */
  readonly sent: number;
  /** Datagrams handed to the inner socket (duplicates count twice). */
  readonly forwarded: number;
  /** Lost to random loss, burst loss or the bandwidth queue, either direction. */
  readonly dropped: number;
  /** Datagrams delivered or forwarded twice. */
  readonly duplicated: number;
  /** Copies held back for later (delay > 0). */
  readonly delayed: number;
  /** Copies given the reorder extra delay. */
  readonly reordered: number;
  /** Copies held right now, incoming and outgoing. */
  readonly pendingIncoming: number;
  readonly pendingOutgoing: number;
}

interface Held {
  readonly peer: PeerId;
  readonly bytes: Uint8Array;
}

function checkConditions(c: LinkConditions): LinkConditions {
  const problems = validateLinkConditions(c);
  if (problems.length > 0) throw new RangeError(`invalid link conditions: ${problems.join('; ')}`);
  return c;
}

/** A `PeerSocket` that applies `LinkConditions` to another `PeerSocket`'s traffic. */
export class LagInjector implements PeerSocket {
  private readonly inner: PeerSocket;
  private readonly clock: () => number;
  private readonly seed: number;
  private readonly mode: LagDirection;
  private current: LinkConditions;
  private readonly models = new Map<string, LinkModel>();
  /** Per sending peer, the arrival time its last incoming datagram was scheduled from (never goes back). */
  private readonly lastArrival = new Map<PeerId, number>();
  private readonly incoming = new DeliveryQueue<Held>();
  private readonly outgoing = new DeliveryQueue<Held>();
  private readonly counts = { received: 0, delivered: 0, sent: 0, forwarded: 0, delayed: 0 };

  /** Wrap `inner`. Throws RangeError if `options.conditions` is invalid (validate untrusted input first). */
  constructor(inner: PeerSocket, options: LagInjectorOptions) {
    this.inner = inner;
    this.clock = options.now;
    this.seed = options.seed >>> 0;
    this.mode = options.direction ?? LagDirection.incoming;
    this.current = checkConditions(options.conditions ?? PERFECT_LINK);
  }

  /** Conditions applied to datagrams from now on. */
  get conditions(): LinkConditions {
    return this.current;
  }

  /** Which traffic is affected. */
  get direction(): LagDirection {
    return this.mode;
  }

  /**
   * Change the conditions live (the in-game lag panel). Datagrams already held keep their due
   * times. Throws RangeError if invalid: parse panel or URL input with `parseLinkConditions` /
   * `linkConditionsFromSearchParams` first.
   */
  setConditions(conditions: LinkConditions): void {
    this.current = checkConditions(conditions);
    for (const model of this.models.values()) model.setConditions(conditions);
  }

  /** Send `bytes` to `to`, now or (outgoing lag) later. The bytes are copied if held. */
  send(to: PeerId, bytes: Uint8Array): void {
    const now = this.clock();
    this.flushAt(now);
    this.counts.sent++;
    if (this.mode === LagDirection.incoming) {
      this.forward(to, bytes);
      return;
    }
    const times = this.model('outgoing', to).schedule(now, bytes.byteLength);
    for (const at of times) {
      // flushAt(now) left only later copies queued, so a copy due now may overtake them.
      if (at <= now) {
        this.forward(to, bytes);
      } else {
        this.counts.delayed++;
        this.outgoing.push(at, { peer: to, bytes: bytes.slice() });
      }
    }
  }

  /** Datagrams due by now, in due-time order (ties in arrival order). Also releases due outgoing ones. */
  receiveAll(): Datagram[] {
    const now = this.clock();
    this.flushAt(now);
    const arrived = this.inner.receiveAll();
    this.counts.received += arrived.length;
    if (this.mode === LagDirection.outgoing) {
      this.counts.delivered += arrived.length;
      return arrived;
    }
    for (const d of arrived) {
      // Arrival times per peer never go back (a stale stamp falls back to now, and later ones would
      // otherwise overtake it): the link model sees them in order, as a real link delivers.
      const at = Math.max(arrivedAt(d, now), this.lastArrival.get(d.from) ?? -Infinity);
      this.lastArrival.set(d.from, at);
      const times = this.model('incoming', d.from).schedule(at, d.bytes.byteLength);
      for (let i = 0; i < times.length; i++) {
        const at = times[i] as number;
        if (at > now) this.counts.delayed++;
        this.incoming.push(at, { peer: d.from, bytes: i === 0 ? d.bytes : d.bytes.slice() });
      }
    }
    const due = this.incoming.popDue(now);
    this.counts.delivered += due.length;
    return due.map((h) => ({ from: h.peer, bytes: h.bytes }));
  }

  /** Forward outgoing datagrams that are due (`send` and `receiveAll` do this too). */
  flush(): void {
    this.flushAt(this.clock());
  }

  /** Counters since construction. */
  get stats(): LagInjectorStats {
    let dropped = 0;
    let duplicated = 0;
    let reordered = 0;
    for (const model of this.models.values()) {
      const s = model.stats;
      dropped += s.lost + s.burstLost + s.queueDropped;
      duplicated += s.duplicated;
      reordered += s.reordered;
    }
    return {
      ...this.counts,
      dropped,
      duplicated,
      reordered,
      pendingIncoming: this.incoming.size,
      pendingOutgoing: this.outgoing.size,
    };
  }

  private forward(to: PeerId, bytes: Uint8Array): void {
    this.counts.forwarded++;
    this.inner.send(to, bytes);
  }

  private flushAt(now: number): void {
    if (this.outgoing.size === 0) return;
    for (const h of this.outgoing.popDue(now)) this.forward(h.peer, h.bytes);
  }

  private model(direction: 'incoming' | 'outgoing', peer: PeerId): LinkModel {
    const key = `${direction}\u0000${peer}`;
    let model = this.models.get(key);
    if (model === undefined) {
      model = new LinkModel(this.current, deriveSeed(this.seed, direction, peer));
      this.models.set(key, model);
    }
    return model;
  }
}
