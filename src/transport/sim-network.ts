/**
 * A seeded, virtual-clock network simulator: many `PeerSocket`s over directed links whose delay,
 * jitter, loss, burst loss, duplication, reordering and bandwidth follow `LinkModel`, plus link
 * outages and peer suspension. Nothing reads a real clock: time moves only through `advanceTo` /
 * `advanceBy`, so one seed reproduces a whole run packet for packet.
 *
 * Each receiver owns a binary min-heap keyed by (delivery time, schedule order), so `receiveAll`
 * returns arrivals in delivery-time order with ties broken by send order, in O(log n) per packet.
 * Each directed link draws from its own stream, `deriveSeed(seed, 'link', from, to)`, so traffic on
 * one link never perturbs another's fates, and socket creation order does not matter.
 */
import type { Datagram, PeerId, PeerSocket } from '../netcode/socket.ts';
import { LinkModel, PERFECT_LINK, validateLinkConditions, type LinkConditions } from './link-model.ts';
import { deriveSeed } from './seeded-random.ts';

interface HeapEntry<T> {
  readonly atMs: number;
  readonly order: number;
  readonly item: T;
}

/**
 * A min-heap of items keyed by delivery time; items with equal times come out in push order.
 * Shared by the simulator and the lag injector.
 */
export class DeliveryQueue<T> {
  private readonly heap: HeapEntry<T>[] = [];
  private pushes = 0;

  /** Items waiting. */
  get size(): number {
    return this.heap.length;
  }

  /** Queue `item` for delivery at `atMs`. */
  push(atMs: number, item: T): void {
    const heap = this.heap;
    const entry: HeapEntry<T> = { atMs, order: this.pushes++, item };
    let i = heap.length;
    heap.push(entry);
    while (i > 0) {
      const parentIndex = (i - 1) >> 1;
      const parent = heap[parentIndex] as HeapEntry<T>;
      if (!before(entry, parent)) break;
      heap[i] = parent;
      i = parentIndex;
    }
    heap[i] = entry;
  }

  /** Delivery time of the earliest item, if any. */
  peekTime(): number | undefined {
    return this.heap[0]?.atMs;
  }

  /** Remove and return every item due at or before `nowMs`, earliest first. */
  popDue(nowMs: number): T[] {
    const out: T[] = [];
    for (let item = this.popNextDue(nowMs); item !== undefined; item = this.popNextDue(nowMs)) out.push(item);
    return out;
  }

  /** Remove and return the earliest item if it is due at or before `nowMs` (no array per call); undefined when none is (so `T` must not include undefined). */
  popNextDue(nowMs: number): T | undefined {
    const top = this.heap[0];
    if (top === undefined || top.atMs > nowMs) return undefined;
    this.removeTop();
    return top.item;
  }

  /** Remove and return everything, earliest first. */
  drain(): T[] {
    return this.popDue(Number.POSITIVE_INFINITY);
  }

  private removeTop(): void {
    const heap = this.heap;
    const last = heap.pop();
    if (last === undefined || heap.length === 0) return;
    const n = heap.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const left = heap[l] as HeapEntry<T>;
      const right = heap[r];
      const [childIndex, child] = right !== undefined && before(right, left) ? [r, right] : [l, left];
      if (!before(child, last)) break;
      heap[i] = child;
      i = childIndex;
    }
    heap[i] = last;
  }
}

function before<T>(a: HeapEntry<T>, b: HeapEntry<T>): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.order < b.order);
}

/** Per directed link counters (a snapshot). */
export interface SimLinkStats {
  /** Packets the sender handed to the link, and their bytes. */
  readonly sentPackets: number;
  readonly sentBytes: number;
  /** Copies handed to the receiver by `receiveAll`, and their bytes (duplicates count twice). */
  readonly deliveredPackets: number;
  readonly deliveredBytes: number;
  /** Lost to random loss, burst loss and bandwidth tail drop (see `LinkModelStats`). */
  readonly lostPackets: number;
  readonly burstLostPackets: number;
  readonly queueDroppedPackets: number;
  /** Copies lost because they were on the wire during an outage. */
  readonly outageDroppedPackets: number;
  readonly duplicatedPackets: number;
  readonly reorderedPackets: number;
  /** `send` calls refused because the sender was suspended at the time. */
  readonly suspendedSends: number;
}

/** Options of a `SimNetwork`. */
export interface SimNetworkOptions {
  /** Root seed of every link's stream. */
  readonly seed: number;
  /** Virtual time at start, ms (default 0). */
  readonly startMs?: number;
  /** Conditions of links not set otherwise (default `PERFECT_LINK`). */
  readonly defaultLink?: LinkConditions;
}

/** A time window [fromMs, toMs). */
interface Window {
  readonly fromMs: number;
  readonly toMs: number;
}

interface InFlight {
  readonly from: PeerId;
  readonly sentAtMs: number;
  readonly dueMs: number;
  readonly bytes: Uint8Array;
}

interface MutableLinkCounts {
  sentPackets: number;
  sentBytes: number;
  deliveredPackets: number;
  deliveredBytes: number;
  outageDroppedPackets: number;
  suspendedSends: number;
}

interface LinkState {
  readonly model: LinkModel;
  readonly outages: Window[];
  readonly counts: MutableLinkCounts;
}

function linkKey(from: PeerId, to: PeerId): string {
  return JSON.stringify([from, to]);
}

function checkConditions(c: LinkConditions): LinkConditions {
  const problems = validateLinkConditions(c);
  if (problems.length > 0) throw new RangeError(`invalid link conditions: ${problems.join('; ')}`);
  return c;
}

function checkWindow(fromMs: number, toMs: number): Window {
  if (!(Number.isFinite(fromMs) && toMs >= fromMs)) throw new RangeError(`bad window [${fromMs}, ${toMs})`);
  return { fromMs, toMs };
}

function inWindow(windows: readonly Window[], t: number): boolean {
  return windows.some((w) => t >= w.fromMs && t < w.toMs);
}

/**
 * The simulated network. Semantics:
 * - `send` copies the bytes at once (the caller may reuse its buffer) and schedules each copy on the
 *   directed link's `LinkModel` at the current virtual time. Unknown destinations (and oneself) are
 *   silently dropped, as `PeerSocket` allows.
 * - An outage on a directed link loses every copy that is on the wire at any instant of the window,
 *   i.e. sent before `toMs` and due at or after `fromMs`; it is checked at delivery, so outages may
 *   be declared while packets are in flight.
 * - A suspended peer (a background tab) neither sends nor receives: its `send` calls are dropped and
 *   counted, its `receiveAll` returns nothing, and packets keep queueing for it; after the window it
 *   receives everything queued that was not lost, in delivery order.
 */
export class SimNetwork {
  private nowMs: number;
  private readonly seed: number;
  private defaultLink: LinkConditions;
  private readonly links = new Map<string, LinkState>();
  /** The same link states, by sender then receiver (see `link`). */
  private readonly linkCache = new Map<PeerId, Map<PeerId, LinkState>>();
  private readonly inboxes = new Map<PeerId, DeliveryQueue<InFlight>>();
  private readonly suspensions = new Map<PeerId, Window[]>();
  private unknownDrops = 0;

  constructor(options: SimNetworkOptions) {
    this.seed = options.seed >>> 0;
    this.nowMs = options.startMs ?? 0;
    this.defaultLink = checkConditions(options.defaultLink ?? PERFECT_LINK);
  }

  /** Current virtual time, ms. */
  get now(): number {
    return this.nowMs;
  }

  /** Move the clock forward to `ms` (never backwards: throws RangeError). */
  advanceTo(ms: number): void {
    if (!(ms >= this.nowMs)) throw new RangeError(`time cannot go backwards: ${ms} < ${this.nowMs}`);
    this.nowMs = ms;
  }

  /** Move the clock forward by `ms` >= 0. */
  advanceBy(ms: number): void {
    this.advanceTo(this.nowMs + ms);
  }

  /** A socket for `peerId` on this network. Throws if that id already has one. */
  createSocket(peerId: PeerId): PeerSocket {
    if (this.inboxes.has(peerId)) throw new Error(`peer ${JSON.stringify(peerId)} already has a socket`);
    const inbox = new DeliveryQueue<InFlight>();
    this.inboxes.set(peerId, inbox);
    return {
      send: (to, bytes) => this.send(peerId, to, bytes),
      receiveAll: () => this.receive(peerId, inbox),
    };
  }

  /** Conditions of the directed link from -> to (asymmetric links are allowed). Throws RangeError if invalid. */
  setLink(from: PeerId, to: PeerId, conditions: LinkConditions): void {
    this.link(from, to).model.setConditions(checkConditions(conditions));
  }

  /** Conditions of every link, existing and future. Throws RangeError if invalid. */
  setAllLinks(conditions: LinkConditions): void {
    this.defaultLink = checkConditions(conditions);
    for (const state of this.links.values()) state.model.setConditions(conditions);
  }

  /** Current conditions of the directed link from -> to. */
  getLink(from: PeerId, to: PeerId): LinkConditions {
    return this.links.get(linkKey(from, to))?.model.conditions ?? this.defaultLink;
  }

  /** An outage on the directed link from -> to during [fromMs, toMs). */
  setOutage(from: PeerId, to: PeerId, fromMs: number, toMs: number): void {
    this.link(from, to).outages.push(checkWindow(fromMs, toMs));
  }

  /** An outage in both directions between `a` and `b` during [fromMs, toMs). */
  cutLink(a: PeerId, b: PeerId, fromMs: number, toMs: number): void {
    this.setOutage(a, b, fromMs, toMs);
    this.setOutage(b, a, fromMs, toMs);
  }

  /** Suspend `peer` (a background tab) during [fromMs, toMs). */
  suspend(peer: PeerId, fromMs: number, toMs: number): void {
    const list = this.suspensions.get(peer) ?? [];
    list.push(checkWindow(fromMs, toMs));
    this.suspensions.set(peer, list);
  }

  /** True if `peer` is suspended at `atMs` (default: now). */
  isSuspended(peer: PeerId, atMs: number = this.nowMs): boolean {
    const list = this.suspensions.get(peer);
    return list !== undefined && inWindow(list, atMs);
  }

  /** Earliest pending delivery time to `peer` (or to anyone), for event-driven loops. */
  nextDeliveryAt(peer?: PeerId): number | undefined {
    if (peer !== undefined) return this.inboxes.get(peer)?.peekTime();
    let best: number | undefined;
    for (const inbox of this.inboxes.values()) {
      const t = inbox.peekTime();
      if (t !== undefined && (best === undefined || t < best)) best = t;
    }
    return best;
  }

  /** Copies queued for `peer`, not yet received (including ones an outage will drop). */
  pendingFor(peer: PeerId): number {
    return this.inboxes.get(peer)?.size ?? 0;
  }

  /** Counters of the directed link from -> to. */
  linkStats(from: PeerId, to: PeerId): SimLinkStats {
    const state = this.links.get(linkKey(from, to));
    if (state === undefined) {
      return {
        sentPackets: 0, sentBytes: 0, deliveredPackets: 0, deliveredBytes: 0, lostPackets: 0, burstLostPackets: 0,
        queueDroppedPackets: 0, outageDroppedPackets: 0, duplicatedPackets: 0, reorderedPackets: 0, suspendedSends: 0,
      };
    }
    const m = state.model.stats;
    return {
      ...state.counts,
      lostPackets: m.lost,
      burstLostPackets: m.burstLost,
      queueDroppedPackets: m.queueDropped,
      duplicatedPackets: m.duplicated,
      reorderedPackets: m.reordered,
    };
  }

  /** Packets sent to peers without a socket (or to oneself). */
  get unknownDestinationDrops(): number {
    return this.unknownDrops;
  }

  private link(from: PeerId, to: PeerId): LinkState {
    // Every send and delivery looks its link up: a per-sender map avoids building the key string each time.
    let bySender = this.linkCache.get(from);
    if (bySender === undefined) {
      bySender = new Map();
      this.linkCache.set(from, bySender);
    }
    const cached = bySender.get(to);
    if (cached !== undefined) return cached;
    const key = linkKey(from, to);
    let state = this.links.get(key);
    if (state === undefined) {
      state = {
        model: new LinkModel(this.defaultLink, deriveSeed(this.seed, 'link', from, to)),
        outages: [],
        counts: { sentPackets: 0, sentBytes: 0, deliveredPackets: 0, deliveredBytes: 0, outageDroppedPackets: 0, suspendedSends: 0 },
      };
      this.links.set(key, state);
    }
    bySender.set(to, state);
    return state;
  }

  private send(from: PeerId, to: PeerId, bytes: Uint8Array): void {
    const inbox = this.inboxes.get(to);
    if (inbox === undefined || to === from) {
      this.unknownDrops++;
      return;
    }
    const state = this.link(from, to);
    if (this.isSuspended(from)) {
      state.counts.suspendedSends++;
      return;
    }
    state.counts.sentPackets++;
    state.counts.sentBytes += bytes.byteLength;
    const times = state.model.schedule(this.nowMs, bytes.byteLength);
    for (let i = 0; i < times.length; i++) {
      // Each copy gets its own buffer: the sender may reuse its own, the receiver may mutate its copy.
      const dueMs = times[i] as number;
      inbox.push(dueMs, { from, sentAtMs: this.nowMs, dueMs, bytes: bytes.slice() });
    }
  }

  private receive(peer: PeerId, inbox: DeliveryQueue<InFlight>): Datagram[] {
    if (this.isSuspended(peer)) return [];
    // Mostly one datagram per call: a one-element literal is exact, where `push` onto `[]` reserves 17.
    let out: Datagram[] | undefined;
    for (let packet = inbox.popNextDue(this.nowMs); packet !== undefined; packet = inbox.popNextDue(this.nowMs)) {
      const state = this.link(packet.from, peer);
      if (state.outages.length > 0 && onWire(state.outages, packet)) {
        state.counts.outageDroppedPackets++;
        continue;
      }
      state.counts.deliveredPackets++;
      state.counts.deliveredBytes += packet.bytes.byteLength;
      const datagram = { from: packet.from, bytes: packet.bytes };
      if (out === undefined) out = [datagram];
      else out.push(datagram);
    }
    return out ?? [];
  }
}

/** True when `packet` was on the wire during one of `outages`. */
function onWire(outages: readonly Window[], packet: InFlight): boolean {
  for (const w of outages) if (packet.sentAtMs < w.toMs && packet.dueMs >= w.fromMs) return true;
  return false;
}
