/**
 * PeerJS frames between instances (the PeerJS transport when two members are on different instances).
 * A frame for a member elsewhere goes to that instance's stream as `{t:'j', dst, x: frame}`; one that
 * arrives is checked again (the PeerJS gate's schema, sender and target in one lobby) and handed to the
 * local PeerJS mount, or kept briefly for a PeerJS id that has not connected here yet, as the `peer`
 * package keeps its own queue. The PeerJS gate bounds what is kept for an id as it bounds the local
 * queue (`peerQueueMessages`, `peerQueueBytes`; the excess dropped and counted in `peerDropped`): the
 * sink answers false only for a frame to keep. A queue is dropped once QUEUE_MS old, when read or
 * written, and by `sweep` (the cluster's heartbeat) when idle.
 */
import * as v from 'valibot';
import { parseBoundedJson } from '../../src/lobby/protocol-schema.ts';
import type { Member, Membership } from '../lobbies.ts';
import { PeerMessageSchema } from '../peerjs-gate.ts';
import type { PeerMessage } from '../peerjs-gate.ts';

/**
 * Frames kept for a local PeerJS id that has not connected yet, and for how long (counted from the
 * first; at most the gate's count of them lives, so that count never restarts under frames still
 * held). QUEUE_MAX is a backstop only: the gate's bounds are smaller (without a PeerJS mount, nothing
 * bounds them but this).
 */
const QUEUE_MAX = 64;
const QUEUE_MS = 5_000;

export class PeerFrames {
  private readonly queues = new Map<string, { atMs: number; frames: string[] }>();
  private sink: ((dst: string, frame: string) => boolean) | null = null;

  constructor(
    /** The registry's PeerJS ids, local and remote. */
    private readonly peers: ReadonlyMap<string, Membership>,
    private readonly isLocal: (member: Member) => boolean,
    /** Appends a stream message to an instance's stream, counted as relayed traffic. */
    private readonly send: (inst: string, json: string) => void,
    private readonly counters: { redisRelaysDropped: number },
    private readonly maxFrameChars: number,
  ) {}

  /**
   * Where frames for local ids go (the PeerJS mount): true if delivered or dropped (counted there),
   * false to keep the frame (that id is not connected here, and the frame is within its bounds).
   */
  setSink(sink: (dst: string, frame: string) => boolean): void {
    this.sink = sink;
  }

  /** Frames queued for a PeerJS id that just connected here (oldest first). */
  take(peerId: string): string[] {
    const queue = this.queues.get(peerId);
    this.queues.delete(peerId);
    return queue === undefined || Date.now() - queue.atMs > QUEUE_MS ? [] : queue.frames;
  }

  /** Drops every queue older than QUEUE_MS (an idle one is not read or written again to expire it). */
  sweep(nowMs = Date.now()): void {
    for (const [peerId, queue] of this.queues) if (nowMs - queue.atMs > QUEUE_MS) this.queues.delete(peerId);
  }

  /** Forgets what is queued for `peerId` (its member left). */
  forget(peerId: string): void {
    this.queues.delete(peerId);
  }

  /** Sends `message` from local id `src` to PeerJS id `peerId` on instance `inst` (heartbeats stay here: false). */
  forward(inst: string, peerId: string, src: string, message: PeerMessage): boolean {
    if (message.type === 'HEARTBEAT') return false;
    // The frame the `peer` package would send the destination.
    const frame = JSON.stringify({ type: message.type, src, dst: message.dst, payload: message.payload });
    this.send(inst, JSON.stringify({ t: 'j', dst: peerId, x: frame }));
    return true;
  }

  /** A frame from another instance for local id `dst`; false (counted by the caller) if it makes no sense here. */
  receive(dst: string, frame: string): boolean {
    const to = this.peers.get(dst);
    if (to === undefined || !this.isLocal(to.member)) return false;
    const json = parseBoundedJson(frame, this.maxFrameChars);
    if (!json.ok || typeof json.value !== 'object' || json.value === null) return false;
    const from: unknown = (json.value as { src?: unknown }).src;
    const message = v.safeParse(PeerMessageSchema, json.value);
    const sender = typeof from === 'string' ? this.peers.get(from) : undefined;
    if (!message.success || message.output.type === 'HEARTBEAT' || message.output.dst !== dst) return false;
    if (sender === undefined || sender.lobby !== to.lobby || sender === to) return false;
    const checked = JSON.stringify({ type: message.output.type, src: from, dst, payload: message.output.payload });
    if (this.sink?.(dst, checked) === true) return true;
    const held = this.queues.get(dst);
    const queue = held === undefined || Date.now() - held.atMs > QUEUE_MS ? { atMs: Date.now(), frames: [] } : held;
    if (queue.frames.length >= QUEUE_MAX) {
      this.counters.redisRelaysDropped += 1;
      return true;
    }
    queue.frames.push(checked);
    this.queues.set(dst, queue);
    return true;
  }
}
