/**
 * Test support for `ReadyHandshake`: an in-memory message bus on a manual clock. Each peer has its own
 * clock, reading the bus's global time plus a fixed offset; every message is encoded and parsed through
 * the real control codec, takes a per-link latency to arrive, and can be dropped by a predicate. Time
 * advances 1 ms per step, so a run is repeatable and needs no sleeping.
 */
import { encodeControlMessage, parseControlMessage, type ControlMessage, type MatchSetup } from '../../src/lobby/control.ts';
import { ReadyHandshake, type HandshakeEvent, type HandshakeOptions, type Versions } from '../../src/lobby/handshake.ts';
import type { PeerId } from '../../src/netcode/socket.ts';

/** A 2..4 player setup everybody agrees on unless a test says otherwise. */
export const setupFor = (players: number): MatchSetup => ({ players, pointsToWin: 5, inputDelay: 2, maxPrediction: 8 });

/** Versions used by default. */
export const VERSIONS: Versions = { protocol: 1, game: 1 };

/** One message as the bus saw it. */
export interface Sent {
  /** Global time it was sent. */
  readonly at: number;
  readonly from: PeerId;
  readonly to: PeerId;
  readonly message: ControlMessage;
}

/** A peer on the bus. */
export interface BusPeer {
  readonly id: PeerId;
  /** This peer's clock minus the global clock, ms. */
  readonly offsetMs: number;
  readonly hs: ReadyHandshake;
  /** Every event drained so far, with the global time it was drained at. */
  readonly events: { readonly at: number; readonly event: HandshakeEvent }[];
  /** Stopped (left): no more updates, messages to and from it vanish. */
  gone: boolean;
}

/** Options of `HandshakeBus`. */
export interface BusOptions {
  /** Player order; the first is the host unless `hostId` says otherwise. */
  readonly ids: readonly PeerId[];
  readonly hostId?: PeerId;
  /** Clock offsets per peer (default 0). */
  readonly offsets?: Readonly<Record<PeerId, number>>;
  /** One-way latency of a message between two peers, ms (default 10). Same both ways unless the function says not. */
  readonly latency?: (from: PeerId, to: PeerId) => number;
  readonly round?: number;
  /** Per-peer overrides of versions and setup (to build mismatches). */
  readonly versions?: Readonly<Record<PeerId, Versions>>;
  readonly setups?: Readonly<Record<PeerId, MatchSetup>>;
  /** Extra handshake options for every peer. */
  readonly extra?: Partial<HandshakeOptions>;
}

interface InFlight {
  readonly due: number;
  readonly seq: number;
  readonly from: PeerId;
  readonly to: PeerId;
  readonly bytes: Uint8Array;
}

/** An in-memory network of handshakes with a manual global clock. */
export class HandshakeBus {
  /** Global time, ms. */
  now = 0;
  readonly peers = new Map<PeerId, BusPeer>();
  /** Every message sent (dropped ones included). */
  readonly sent: Sent[] = [];
  /** Messages the bus dropped. */
  readonly dropped: Sent[] = [];
  /** Return true to drop a message. */
  drop: (s: Sent) => boolean = () => false;
  private readonly queue: InFlight[] = [];
  private seq = 0;
  private readonly latency: (from: PeerId, to: PeerId) => number;

  constructor(o: BusOptions) {
    this.latency = o.latency ?? (() => 10);
    const hostId = o.hostId ?? o.ids[0];
    if (hostId === undefined) throw new Error('no peers');
    let seed = 0x9e3779b9;
    for (const id of o.ids) {
      const offsetMs = o.offsets?.[id] ?? 0;
      const hs = new ReadyHandshake({
        localId: id,
        hostId,
        members: o.ids,
        round: o.round ?? 1,
        versions: o.versions?.[id] ?? VERSIONS,
        setup: o.setups?.[id] ?? setupFor(o.ids.length),
        send: (to, message) => this.send(id, to, message),
        random: () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0),
        nameOf: (x) => `<${x}>`,
        ...o.extra,
      });
      this.peers.set(id, { id, offsetMs, hs, events: [], gone: false });
    }
  }

  /** The peer `id` (throws on a typo: a broken test). */
  peer(id: PeerId): BusPeer {
    const p = this.peers.get(id);
    if (p === undefined) throw new Error(`no peer ${id}`);
    return p;
  }

  /** `id`'s local clock now. */
  localNow(id: PeerId): number {
    return this.now + this.peer(id).offsetMs;
  }

  /** Presses Ready (or un-ready) on `id` at the current time. */
  setReady(id: PeerId, ready = true): void {
    this.peer(id).hs.setReady(ready, this.localNow(id));
    this.collect();
  }

  /** `id` leaves: it stops, and `notify` peers are told (as the lobby's member-left would). */
  leave(id: PeerId, notify: readonly PeerId[]): void {
    this.peer(id).gone = true;
    for (const n of notify) this.peer(n).hs.peerLeft(id, this.localNow(n));
    this.collect();
  }

  /** Delivers a message to `to` right now, bypassing the network (forged or stale traffic). */
  inject(from: PeerId, to: PeerId, message: ControlMessage): void {
    this.peer(to).hs.handle(from, message, this.localNow(to));
    this.collect();
  }

  /** Advances 1 ms: delivers what is due, then runs every live peer's timers. */
  step(): void {
    this.now++;
    this.queue.sort((a, b) => a.due - b.due || a.seq - b.seq);
    while (this.queue.length > 0 && (this.queue[0] as InFlight).due <= this.now) {
      const m = this.queue.shift() as InFlight;
      const to = this.peers.get(m.to);
      if (to === undefined || to.gone || this.peers.get(m.from)?.gone === true) continue;
      const parsed = parseControlMessage(m.bytes);
      if (!parsed.ok) throw new Error(`handshake sent an invalid message: ${parsed.error}`);
      to.hs.handle(m.from, parsed.message, this.localNow(m.to));
    }
    for (const p of this.peers.values()) if (!p.gone) p.hs.update(this.localNow(p.id));
    this.collect();
  }

  /** Steps until `done()` or `limitMs` of global time passed; returns whether done. */
  runUntil(done: () => boolean, limitMs = 5000): boolean {
    for (let i = 0; i < limitMs; i++) {
      if (done()) return true;
      this.step();
    }
    return done();
  }

  /** Steps `ms` milliseconds. */
  run(ms: number): void {
    for (let i = 0; i < ms; i++) this.step();
  }

  /** Every live peer is in a final phase (committed or aborted). */
  settled(): boolean {
    return [...this.peers.values()].every((p) => p.gone || p.hs.phase === 'committed' || p.hs.phase === 'aborted');
  }

  /** Events of one kind that `id` raised. */
  eventsOf<K extends HandshakeEvent['kind']>(id: PeerId, kind: K): Extract<HandshakeEvent, { kind: K }>[] {
    return this.peer(id)
      .events.map((e) => e.event)
      .filter((e): e is Extract<HandshakeEvent, { kind: K }> => e.kind === kind);
  }

  /** Global time of `id`'s first event of `kind`, or undefined. */
  timeOf(id: PeerId, kind: HandshakeEvent['kind']): number | undefined {
    return this.peer(id).events.find((e) => e.event.kind === kind)?.at;
  }

  /** The instant (global time) at which `id` plans to begin frame 0, once committed. */
  startInstant(id: PeerId): number | undefined {
    const p = this.peer(id);
    const s = p.hs.startInfo;
    return s === undefined ? undefined : s.localStartMs - p.offsetMs;
  }

  /** Messages of a type sent so far. */
  sentOf<T extends ControlMessage['t']>(t: T): (Sent & { message: Extract<ControlMessage, { t: T }> })[] {
    return this.sent.filter((s): s is Sent & { message: Extract<ControlMessage, { t: T }> } => s.message.t === t);
  }

  private send(from: PeerId, to: PeerId, message: ControlMessage): void {
    const s: Sent = { at: this.now, from, to, message };
    this.sent.push(s);
    if (this.peer(from).gone || this.drop(s)) {
      this.dropped.push(s);
      return;
    }
    this.queue.push({ due: this.now + this.latency(from, to), seq: this.seq++, from, to, bytes: encodeControlMessage(message) });
  }

  private collect(): void {
    for (const p of this.peers.values()) for (const event of p.hs.drainEvents()) p.events.push({ at: this.now, event });
  }
}
