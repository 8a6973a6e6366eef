/**
 * Several real `Room`s in one lobby, in memory and on a manual clock: a fake lobby server (the test
 * decides when each member joins) and a mesh whose channels open when the test says, one side at a
 * time, the way WebRTC data channels do (each side sees `open` on its own; what one side sends before
 * the other side has seen it waits in the channel). For races in the room's own logic (handshake
 * rounds) that real transports make rare and unrepeatable; the real-WebRTC suites cover the rest.
 */
import { DEFAULT_SETTINGS, type MemberInfo } from '../../src/lobby/protocol.ts';
import { Room, type MeshLink, type RoomEvent } from '../../src/lobby/room.ts';
import type { LinkEvent } from '../../src/transport/link.ts';
import type { Datagram, PeerId, PeerSocket } from '../../src/netcode/socket.ts';
import { fakeSignaling, type FakeSignaling } from './fake-signaling.ts';

const CODE = 'c'.repeat(22);

/** One member's end of the simulated mesh. */
class SimLink {
  /** Peers whose channel this side has been told is open (drained `open` event). */
  readonly seen = new Set<PeerId>();
  /** Peers whose channel is open on this side (an `open` event queued or seen). */
  readonly open = new Set<PeerId>();
  /** Every control message this side sent on its reliable channel, decoded. */
  readonly sentControl: { readonly to: PeerId; readonly message: { readonly t: string } }[] = [];
  private readonly events: LinkEvent[] = [];
  private readonly inbox = { reliable: new Map<PeerId, Datagram[]>(), unreliable: new Map<PeerId, Datagram[]>() };

  constructor(
    readonly localId: PeerId,
    private readonly peerOf: (id: PeerId) => SimLink | undefined,
  ) {}

  openSide(peer: PeerId): void {
    if (this.open.has(peer)) return;
    this.open.add(peer);
    this.events.push({ kind: 'open', peer });
  }

  deliver(kind: 'reliable' | 'unreliable', d: Datagram): void {
    const q = this.inbox[kind].get(d.from) ?? [];
    this.inbox[kind].set(d.from, q);
    q.push(d);
  }

  socket(kind: 'reliable' | 'unreliable'): PeerSocket {
    return {
      send: (to, bytes) => {
        if (kind === 'reliable') this.sentControl.push({ to, message: JSON.parse(new TextDecoder().decode(bytes)) as { t: string } });
        if (this.open.has(to)) this.peerOf(to)?.deliver(kind, { from: this.localId, bytes: bytes.slice() });
      },
      receiveAll: () => {
        const out: Datagram[] = [];
        for (const [from, q] of this.inbox[kind]) if (this.seen.has(from)) out.push(...q.splice(0));
        return out;
      },
    };
  }

  meshLink(): MeshLink {
    return {
      localId: this.localId,
      reliable: this.socket('reliable'),
      unreliable: this.socket('unreliable'),
      connectedPeers: () => [...this.seen],
      drainEvents: () => {
        const out = this.events.splice(0);
        for (const e of out) if (e.kind === 'open') this.seen.add(e.peer);
        return out;
      },
      close: () => undefined,
      connect: () => undefined,
      disconnect: () => undefined,
    };
  }
}

/** A member in the simulated lobby. */
export interface SimMember {
  readonly id: PeerId;
  readonly room: Room;
  readonly signaling: FakeSignaling;
  readonly link: SimLink;
  /** Every event its room emitted (drained at each tick). */
  readonly events: RoomEvent[];
}

/** The lobby: `join` members (the first is the host), `open` channels, `tick` the clock. */
export class RoomSim {
  now = 1000;
  readonly members: SimMember[] = [];
  private readonly infos: MemberInfo[] = [];
  private joins = 0;
  /** How many of each member's client messages `serve` has read. */
  private readonly served = new Map<PeerId, number>();
  /** The lobby is started (the host's `start-notice`, until its `reopen`): the server admits no joins. */
  started = false;

  constructor(private readonly players: number) {}

  /** A new member enters (the first creates the lobby); the others hear `member-joined`. */
  async join(name: string): Promise<SimMember> {
    const id = `m${++this.joins}`;
    const info: MemberInfo = { id, name, ready: false, peerId: '' };
    for (const m of this.members) m.signaling.emit({ kind: 'member-joined', member: info });
    this.infos.push(info);
    const signaling = fakeSignaling();
    const link = new SimLink(id, (peer) => this.members.find((m) => m.id === peer)?.link);
    const options = { signaling: signaling.client, createLink: () => link.meshLink(), now: () => this.now, random: () => 7, countdownMs: 0 };
    const entering = this.members.length === 0 ? Room.create(options, name, {}) : Room.join(options, CODE, name);
    signaling.emit({
      kind: 'joined', memberId: id, code: CODE, linkPath: `/lobby/${CODE}`, hostId: this.members[0]?.id ?? id, settings: { ...DEFAULT_SETTINGS, capacity: this.players }, started: false, iceServers: [], peer: null,
      members: this.infos.map((m) => ({ ...m })),
    });
    const r = await entering;
    if (!r.ok) throw new Error(r.error);
    const member: SimMember = { id, room: r.room, signaling, link, events: [] };
    this.members.push(member);
    return member;
  }

  /**
   * `who` leaves (its room closes): the others hear `member-left`, and if it was the host,
   * `host-changed` to the oldest member left, as the lobby server does.
   */
  leave(who: SimMember): void {
    who.room.leave();
    const i = this.members.indexOf(who);
    this.members.splice(i, 1);
    this.infos.splice(this.infos.findIndex((m) => m.id === who.id), 1);
    for (const m of this.members) m.signaling.emit({ kind: 'member-left', memberId: who.id, reason: 'left' });
    const host = this.members[0];
    if (i === 0 && host !== undefined) for (const m of this.members) m.signaling.emit({ kind: 'host-changed', hostId: host.id });
  }

  /** `at`'s side of its channel with `peer` opens (`at` sees `open` at its next update). */
  openSide(at: SimMember, peer: SimMember): void {
    at.link.openSide(peer.id);
  }

  /** Both sides of every channel open. */
  openAll(): void {
    for (const a of this.members) for (const b of this.members) if (a !== b) a.link.openSide(b.id);
  }

  /**
   * The lobby server's side of what the rooms sent since the last call, as `signaling/lobbies.ts`
   * does it: `set-ready` (the flag, echoed to everyone), the host's `start-notice` (`lobby-started`)
   * and `reopen` (every flag cleared, `lobby-reopened`). Everything else is the test's.
   */
  private serve(): void {
    for (const m of this.members) {
      const read = this.served.get(m.id) ?? 0;
      this.served.set(m.id, m.signaling.sent.length);
      for (const c of m.signaling.sent.slice(read)) {
        const info = this.infos.find((x) => x.id === m.id);
        const isHost = this.members[0] === m;
        if (c.kind === 'set-ready' && info !== undefined) {
          info.ready = c.ready;
          for (const o of this.members) o.signaling.emit({ kind: 'member-updated', member: { ...info } });
        } else if (c.kind === 'start-notice' && isHost && !this.started) {
          this.started = true;
          for (const o of this.members) o.signaling.emit({ kind: 'lobby-started' });
        } else if (c.kind === 'reopen' && isHost) {
          this.started = false;
          for (const x of this.infos) x.ready = false;
          for (const o of this.members) o.signaling.emit({ kind: 'lobby-reopened' });
        }
      }
    }
  }

  /** Advances the clock by `ms` in steps of `stepMs`, updating every room at each step. */
  tick(ms: number, stepMs = 10): void {
    for (let t = 0; t < ms; t += stepMs) {
      this.now += stepMs;
      for (const m of this.members) {
        m.room.update(this.now);
        m.events.push(...m.room.drainEvents());
      }
      this.serve();
    }
  }

  /** Ticks until every member runs a match, at most `limitMs`; whether they all do. */
  runUntilStarted(limitMs: number): boolean {
    for (let t = 0; t < limitMs; t += 50) {
      if (this.members.every((m) => m.room.match !== undefined)) return true;
      this.tick(50);
    }
    return this.members.every((m) => m.room.match !== undefined);
  }
}
