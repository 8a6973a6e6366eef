/**
 * A hostile peer for the harness: a real session whose outgoing datagrams and notarised records are
 * tampered with according to a plan of attacks, each built with the codec (well-formed bytes, hostile
 * meaning). Used by the hostile property test and the deterministic attack tests.
 */
import fc from 'fast-check';
import { decodeRecord, encodeRecord } from '../../src/netcode/input-record.ts';
import { decodePacket, encodePacket, LIMITS, type Datagram, type Message, type PeerId, type PeerSocket } from '../../src/netcode/index.ts';

/** One attack; `victim` is a player index (never the hostile one: see `victimOf`). */
export type Attack =
  | { readonly kind: 'ack-beyond'; readonly victim: number; readonly every: number }
  | { readonly kind: 'frames-ahead'; readonly victim: number; readonly every: number; readonly by: number }
  | { readonly kind: 'lying-gossip'; readonly victim: number; readonly every: number; readonly target: number; readonly lowBy: number }
  | { readonly kind: 'equivocate'; readonly victim: number; readonly mask: number; readonly fromFrame: number }
  | { readonly kind: 'fake-checksums'; readonly victim: number; readonly xor: number }
  | { readonly kind: 'goodbye'; readonly victim: number; readonly target: number; readonly atPacket: number }
  | { readonly kind: 'state-spam'; readonly victim: number; readonly every: number }
  | { readonly kind: 'forged-clock'; readonly victim: number; readonly t: number }
  | { readonly kind: 'withhold-records'; readonly fromFrame: number }
  | { readonly kind: 'conflicting-records'; readonly mask: number; readonly forgedFirst: boolean }
  | { readonly kind: 'impersonate-record'; readonly target: number };

/** Attacks whose harm only the notary can undo (without it, honest peers may blame each other). */
export const NEEDS_NOTARY: ReadonlySet<Attack['kind']> = new Set(['equivocate', 'withhold-records', 'conflicting-records', 'impersonate-record']);

/** Arbitrary attacks for `players` players (victims and targets as raw indices, mapped later). */
export function arbAttack(players: number, notary: boolean): fc.Arbitrary<Attack> {
  const p = fc.integer({ min: 0, max: players - 1 });
  const every = fc.integer({ min: 1, max: 12 });
  const all: fc.Arbitrary<Attack>[] = [
    fc.record({ kind: fc.constant('ack-beyond' as const), victim: p, every }),
    fc.record({ kind: fc.constant('frames-ahead' as const), victim: p, every, by: fc.integer({ min: 60, max: 1_000_000 }) }),
    fc.record({ kind: fc.constant('lying-gossip' as const), victim: p, every, target: p, lowBy: fc.integer({ min: 0, max: 200 }) }),
    fc.record({ kind: fc.constant('fake-checksums' as const), victim: p, xor: fc.integer({ min: 1, max: 0xffff_ffff }) }),
    fc.record({ kind: fc.constant('goodbye' as const), victim: p, target: p, atPacket: fc.integer({ min: 0, max: 400 }) }),
    fc.record({ kind: fc.constant('state-spam' as const), victim: p, every }),
    fc.record({ kind: fc.constant('forged-clock' as const), victim: p, t: fc.double({ min: -1e300, max: 1e300, noNaN: true }) }),
  ];
  if (notary) {
    all.push(
      fc.record({ kind: fc.constant('equivocate' as const), victim: p, mask: fc.integer({ min: 1, max: 255 }), fromFrame: fc.integer({ min: 0, max: 300 }) }),
      fc.record({ kind: fc.constant('withhold-records' as const), fromFrame: fc.integer({ min: 0, max: 300 }) }),
      fc.record({ kind: fc.constant('conflicting-records' as const), mask: fc.integer({ min: 1, max: 255 }), forgedFirst: fc.boolean() }),
      fc.record({ kind: fc.constant('impersonate-record' as const), target: p }),
    );
  }
  return fc.oneof(...all);
}

/** The honest player an attack's raw `victim` index stands for. */
export function victimOf(raw: number, hostile: number, players: number): number {
  return raw === hostile ? (raw + 1) % players : raw;
}

/** Wraps the hostile player's socket: tampers with datagrams per destination. */
export class HostileSocket implements PeerSocket {
  private sent = 0;

  constructor(
    private readonly inner: PeerSocket,
    private readonly hostile: number,
    private readonly players: number,
    private readonly attacks: readonly Attack[],
    private readonly playerOf: (peer: PeerId) => number,
  ) {}

  receiveAll(): Datagram[] {
    return this.inner.receiveAll();
  }

  send(to: PeerId, bytes: Uint8Array): void {
    this.sent++;
    const r = decodePacket(bytes);
    if (!r.ok) return this.inner.send(to, bytes);
    const dest = this.playerOf(to);
    let m: Message = r.packet.message;
    const extra: Message[] = [];
    for (const a of this.attacks) {
      if ('victim' in a && victimOf(a.victim, this.hostile, this.players) !== dest) continue;
      m = this.tamper(a, m, extra);
    }
    const sessionId = r.packet.sessionId;
    this.inner.send(to, encodePacket({ sessionId, message: m }));
    for (const x of extra) this.inner.send(to, encodePacket({ sessionId, message: x }));
  }

  private tamper(a: Attack, m: Message, extra: Message[]): Message {
    const due = (every: number): boolean => this.sent % every === 0;
    switch (a.kind) {
      case 'ack-beyond':
        if (!due(a.every)) return m;
        if (m.kind === 'input') return { ...m, ackFrame: Math.min(LIMITS.maxFrame, m.ackFrame + 1000 + this.sent) };
        return m;
      case 'frames-ahead':
        if (m.kind === 'input' && due(a.every)) {
          const start = Math.min(LIMITS.maxFrame - 200, m.senderFrame + a.by);
          extra.push({ ...m, startFrame: start, inputs: [1, 2, 3], ackFrame: m.ackFrame, senderFrame: start, status: m.status.map((s) => ({ ...s, lastFrame: Math.max(s.lastFrame, start) })) });
        }
        return m;
      case 'lying-gossip': {
        if (m.kind !== 'input' || !due(a.every)) return m;
        const t = a.target % this.players;
        return { ...m, status: m.status.map((s, p) => (p === t ? { disconnected: true, lastFrame: Math.max(-1, s.lastFrame - a.lowBy) } : s)) };
      }
      case 'equivocate':
        if (m.kind !== 'input') return m;
        return { ...m, inputs: m.inputs.map((v, i) => (m.startFrame + i >= a.fromFrame ? (v ^ a.mask) & 0xff : v)) };
      case 'fake-checksums':
        if (m.kind !== 'checksum-report') return m;
        return { ...m, entries: m.entries.map((e) => ({ frame: e.frame, checksum: (e.checksum ^ a.xor) >>> 0 })) };
      case 'goodbye':
        if (this.sent === a.atPacket) extra.push({ kind: 'disconnect-notice', player: a.target % this.players, frame: 0 });
        return m;
      case 'state-spam':
        if (due(a.every)) extra.push({ kind: 'state-reply', frame: this.sent * 60, state: new Uint8Array([1, 2, 3]) });
        return m;
      case 'forged-clock':
        return m.kind === 'sync-reply' ? { ...m, t1: a.t, t2: -a.t } : m;
      case 'withhold-records':
      case 'conflicting-records':
      case 'impersonate-record':
        return m;
    }
  }
}

/** The hostile player's record filter (for `SimMatchOptions.recordFilter`). */
export function hostileRecords(attacks: readonly Attack[], players: number): (records: Uint8Array[]) => Uint8Array[] {
  return (records) => {
    let out = records;
    for (const a of attacks) {
      if (a.kind === 'withhold-records') {
        out = out.filter((b) => {
          const r = decodeRecord(b);
          return r.ok && r.record.startFrame < a.fromFrame;
        });
      } else if (a.kind === 'conflicting-records') {
        out = out.flatMap((b) => {
          const r = decodeRecord(b);
          if (!r.ok) return [b];
          const forged = encodeRecord({ ...r.record, inputs: r.record.inputs.map((v) => (v ^ a.mask) & 0xff) });
          return a.forgedFirst ? [forged, b] : [b, forged];
        });
      } else if (a.kind === 'impersonate-record') {
        out = out.flatMap((b) => {
          const r = decodeRecord(b);
          return r.ok ? [encodeRecord({ ...r.record, player: a.target % players }), b] : [b];
        });
      }
    }
    return out;
  };
}
