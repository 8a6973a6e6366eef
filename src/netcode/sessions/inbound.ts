/**
 * The receiving half of a session: decodes one datagram of a known peer, checks it against the packet
 * rules (dropping and counting what breaks one, without counting it as hearing from the peer), and
 * applies what passes to the queues, the endpoint, the checksum exchange and the departures.
 */
import { decodePacket } from '../codec.ts';
import type { PeerEndpoint } from '../endpoint.ts';
import type { InputQueue } from '../input-queue.ts';
import { assertNever, type InputMessage, type Message } from '../protocol.ts';
import type { ChecksumExchange } from './checksum-exchange.ts';
import type { Departures } from './departures.ts';
import type { Notary } from './notary.ts';
import type { Rejoins } from './rejoins.ts';
import { checkMessage, type SessionRuleView } from './packet-rules.ts';

export class Inbound<S> {
  constructor(
    private readonly sessionId: number,
    private readonly view: SessionRuleView,
    private readonly queues: readonly InputQueue[],
    private readonly checksums: ChecksumExchange<S>,
    private readonly departures: Departures,
    private readonly notary: Notary,
    private readonly rejoins: Rejoins,
  ) {}

  /** One datagram from the peer of `e`. */
  datagram(e: PeerEndpoint, bytes: Uint8Array, nowMs: number): void {
    const r = decodePacket(bytes);
    if (!r.ok) return e.reject('decode');
    if (r.packet.sessionId !== this.sessionId) return e.reject('session');
    const m = r.packet.message;
    // A departed player coming back asks for the match (only while we hold it: rejoins.ts).
    if (m.kind === 'rejoin-request') return this.rejoinRequest(e, nowMs);
    if (m.kind === 'rejoin-transfer') return e.reject('rejoin-unexpected');
    // Players neither watch nor feed each other (spectators are not endpoints: spectator-feed.ts).
    if (m.kind === 'spectate-request' || m.kind === 'spectate-feed') return e.reject('spectate-unexpected');
    if (e.state === 'disconnected') return e.reject('departed');
    this.view.senderPlayer = e.player;
    const broken = checkMessage(m, this.view);
    if (broken !== undefined) {
      // Not counted as hearing from the peer: a peer sending only broken packets falls silent.
      e.reject(broken);
      if (broken === 'input-changed' && m.kind === 'input') this.changedInput(m);
      return;
    }
    // While we wait for its inputs, only an input proves the peer is playing (keep-alives alone cannot
    // stall us forever); otherwise any valid packet counts (e.g. during the countdown).
    e.received(bytes.length, nowMs, m.kind === 'input' || !this.view.starvedBy(e.player));
    this.handle(e, m, nowMs);
  }

  private handle(e: PeerEndpoint, m: Message, nowMs: number): void {
    switch (m.kind) {
      case 'sync-request':
        e.send({ kind: 'sync-reply', nonce: m.nonce, t0: m.t0, t1: nowMs, t2: nowMs }, nowMs);
        break;
      case 'sync-reply':
        e.onSyncReply(m, nowMs);
        break;
      case 'input':
        this.onInput(e, m, nowMs);
        break;
      case 'quality-report':
        e.remoteAdvantage = m.frameAdvantage;
        break;
      case 'checksum-report':
        this.checksums.onReport(e, m, nowMs);
        break;
      case 'keep-alive':
        break;
      case 'disconnect-notice':
        // Its own goodbye (the rules refuse one for another player).
        this.departures.drop(e, this.queue(e.player).lastReceivedFrame, 'left');
        break;
      case 'state-request':
        this.checksums.onStateRequest(e, m.frame, nowMs);
        break;
      case 'state-reply':
        if (!this.checksums.onStateReply(e, m.frame, m.state)) e.reject('unsolicited');
        break;
      case 'rejoin-request':
      case 'rejoin-transfer':
      case 'spectate-request':
      case 'spectate-feed':
        break; // handled before (see `datagram`)
      default:
        assertNever(m);
    }
  }

  private rejoinRequest(e: PeerEndpoint, nowMs: number): void {
    if (!this.rejoins.expects(e.player)) return e.reject('rejoin-unexpected');
    const payload = this.rejoins.transferFor(e.player, nowMs);
    if (payload !== undefined) e.send({ kind: 'rejoin-transfer', payload }, nowMs);
  }

  /** A re-sent input with another value: cheating when a notarised record covers that frame. */
  private changedInput(m: InputMessage): void {
    const q = this.queue(m.player);
    for (let i = 0; i < m.inputs.length; i++) {
      const held = q.confirmedInput(m.startFrame + i);
      if (held !== undefined && held !== m.inputs[i]) return this.notary.onChangedInput(m.player, m.startFrame + i);
    }
  }

  private onInput(e: PeerEndpoint, m: InputMessage, nowMs: number): void {
    const q = this.queue(e.player);
    for (let i = 0; i < m.inputs.length; i++) q.addConfirmed(m.startFrame + i, m.inputs[i] ?? 0);
    if (m.ackFrame > e.remoteAck) e.remoteAck = m.ackFrame;
    if (m.senderFrame >= e.remoteFrame) {
      e.remoteFrame = m.senderFrame;
      e.remoteFrameAtMs = nowMs;
    }
    e.remoteStatus = m.status;
    for (let n = this.departures.applyGossip(m.status, this.view.finalInputFrame); n > 0; n--) e.reject('gossip-below-final');
  }

  private queue(player: number): InputQueue {
    return this.queues[player] as InputQueue;
  }
}
