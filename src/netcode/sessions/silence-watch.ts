/**
 * Judges each remote peer's silence: `network-interrupted` after `interruptAfterMs`, `network-resumed`
 * when it is heard again, and a drop (through `Departures`) after `disconnectAfterMs`.
 *
 * Our own pause is not their silence. After a local pause (two calls `LOCAL_PAUSE_MS` or more apart: a
 * blocked main thread, a throttled tab), datagrams that arrived meanwhile can still be queued behind the
 * call (in a browser, message events wait for the blocked task to finish), so silence is judged on the
 * next call, once they are delivered. Deferring only once keeps a tab throttled to one call a second
 * judging on every other call.
 */
import type { PeerEndpoint } from '../endpoint.ts';
import type { InputQueue } from '../input-queue.ts';
import type { SessionEvent } from '../types.ts';
import type { Departures } from './departures.ts';

/** A gap this long between two calls means this peer was paused. */
export const LOCAL_PAUSE_MS = 200;

export class SilenceWatch {
  private lastCheckMs: number | undefined;
  private deferredAfterPause = false;

  constructor(
    private readonly interruptAfterMs: number,
    private readonly disconnectAfterMs: number,
    private readonly endpoints: readonly PeerEndpoint[],
    private readonly queues: readonly InputQueue[],
    private readonly departures: Departures,
    private readonly events: SessionEvent[],
  ) {}

  /** Runs once per session call, after the pending datagrams were received. */
  check(nowMs: number): void {
    const pausedMs = nowMs - (this.lastCheckMs ?? nowMs);
    this.lastCheckMs = nowMs;
    if (pausedMs >= LOCAL_PAUSE_MS && !this.deferredAfterPause) {
      this.deferredAfterPause = true;
      return;
    }
    this.deferredAfterPause = false;
    for (const e of this.endpoints) {
      const t = e.checkTimeouts(nowMs, this.interruptAfterMs, this.disconnectAfterMs);
      if (t === 'interrupted') this.events.push({ kind: 'network-interrupted', peer: e.peer, silentForMs: nowMs - e.lastReceivedMs });
      else if (t === 'resumed') this.events.push({ kind: 'network-resumed', peer: e.peer });
      else if (t === 'disconnected') this.departures.drop(e, (this.queues[e.player] as InputQueue).lastReceivedFrame, 'lost');
    }
  }
}
