/**
 * Semantic rules for decoded messages (the codec only checks ranges): every number a peer sends is
 * checked against what this peer knows before anything is applied. A message that breaks a rule is
 * dropped whole and counted by `RejectReason`; nothing a peer sends can throw or be believed beyond
 * what an honest peer could say.
 *
 * The bound on "ahead": a peer simulates at most `maxPrediction` frames beyond the inputs it holds from
 * us, and schedules its inputs at most `MAX_INPUT_DELAY` frames later, so none of its frames can exceed
 * the last input frame we produced by more than `MAX_PREDICTION + 2 * MAX_INPUT_DELAY` (with slack).
 */
import type { InputQueue } from '../input-queue.ts';
import type { Message, PlayerStatus, RejectReason } from '../protocol.ts';
import type { Frame } from '../types.ts';

/** Largest input delay a session accepts. */
export const MAX_INPUT_DELAY = 10;
/** Largest prediction window a session accepts. */
export const MAX_PREDICTION = 16;
/** How far past our last local input frame any frame of an honest peer can be. */
export const AHEAD_LIMIT = MAX_PREDICTION + 2 * MAX_INPUT_DELAY + 8;

/** What the rules compare a message with. */
export interface RuleView {
  readonly players: number;
  readonly localPlayer: number;
  /** Last frame of our own input (the most we can have sent: no ack or claim can exceed it). */
  readonly localLast: Frame;
  /** Our current frame. */
  readonly frame: Frame;
  /** Last input frame final here: claims below it cannot be honest. */
  readonly finalInputFrame: Frame;
  /** The checksum interval (checksums come only for its multiples). */
  readonly checksumInterval: number;
  /** The player the sending peer plays. */
  readonly senderPlayer: number;
  /** Last input frame this peer holds of `player` (its departure frame, once dropped). */
  lastFrameOf(player: number): Frame;
  /** Confirmed input this peer holds for `player` at `frame`, if any (to catch changed inputs). */
  confirmedInput(player: number, frame: Frame): number | undefined;
  /** We are stalled waiting for `player`'s inputs. */
  starvedBy(player: number): boolean;
}

/** A session's view, reused for every packet (`senderPlayer` set before each check). */
export type SessionRuleView = RuleView & { senderPlayer: number };

/** The view of a session's queues and frames (one object per session: checking allocates nothing). */
export function sessionRuleView(players: number, localPlayer: number, checksumInterval: number, maxPrediction: number, queues: readonly InputQueue[], frame: () => Frame, finalInputFrame: () => Frame): SessionRuleView {
  const q = (p: number): InputQueue => queues[p] as InputQueue;
  return {
    players,
    localPlayer,
    senderPlayer: 0,
    checksumInterval,
    get localLast() {
      return q(localPlayer).lastReceivedFrame;
    },
    get frame() {
      return frame();
    },
    get finalInputFrame() {
      return finalInputFrame();
    },
    lastFrameOf: (p) => q(p).lastReceivedFrame,
    confirmedInput: (p, f) => q(p).confirmedInput(f),
    starvedBy: (p) => frame() - q(p).lastConfirmedFrame > maxPrediction,
  };
}

/** The reason `m` must be dropped, or undefined when it may be applied. */
export function checkMessage(m: Message, v: RuleView): RejectReason | undefined {
  switch (m.kind) {
    case 'input': {
      if (m.player !== v.senderPlayer) return 'wrong-player';
      if (m.status.length !== v.players) return 'status-length';
      if (m.ackFrame > v.localLast) return 'ack-ahead';
      const ahead = v.localLast + AHEAD_LIMIT;
      if (m.senderFrame > ahead || m.startFrame + m.inputs.length - 1 > ahead) return 'frame-ahead';
      for (let i = 0; i < m.inputs.length; i++) {
        const held = v.confirmedInput(m.player, m.startFrame + i);
        if (held !== undefined && held !== m.inputs[i]) return 'input-changed';
      }
      return checkStatus(m.status, v);
    }
    case 'quality-report':
      return m.senderFrame > v.localLast + AHEAD_LIMIT ? 'frame-ahead' : undefined;
    case 'checksum-report':
      for (const e of m.entries) if (e.frame % v.checksumInterval !== 0 || e.frame === 0 || e.frame > v.frame + AHEAD_LIMIT) return 'checksum-frame';
      return undefined;
    case 'disconnect-notice':
      // Only a player's own goodbye counts: a peer cannot declare someone else gone.
      return m.player !== v.senderPlayer ? 'wrong-player' : undefined;
    case 'state-request':
    case 'state-reply':
    case 'rejoin-request':
    case 'rejoin-transfer':
    case 'spectate-request':
    case 'spectate-feed':
    case 'sync-request':
    case 'sync-reply':
    case 'keep-alive':
      return undefined;
  }
}

/**
 * Gossip: a claim about our own inputs beyond what we produced, or about anyone beyond what any honest
 * peer can hold. (A departure frame below what is final here is ignored, not dropped: see
 * `Departures.applyGossip`; dropping the packet would silence an honest peer misled by a liar.) A
 * claim no further than what we hold of that player ourselves is no lie: after a return agreed at a
 * frame ahead (`InputQueue.reopenAt`), every peer holds the player up to that frame.
 */
function checkStatus(status: readonly PlayerStatus[], v: RuleView): RejectReason | undefined {
  for (let p = 0; p < status.length; p++) {
    const s = status[p] as PlayerStatus;
    if (p === v.localPlayer) {
      if (s.lastFrame > v.localLast) return 'ack-ahead';
    } else if (s.lastFrame > v.localLast + AHEAD_LIMIT && s.lastFrame > v.lastFrameOf(p)) return 'frame-ahead';
  }
  return undefined;
}
