/**
 * Signals that arrive before the transport listens: members may signal us as soon as the server's
 * `joined` is out, while `createLink` still waits on the network. They are buffered, in order, for the
 * transport's first `onSignal`, bounded in count and bytes (`EARLY_SIGNALS`): honest peers send an
 * offer or answer and some tens of ICE candidates each, a few KiB; past either bound the rest are
 * dropped and counted, so a member flooding us then costs no memory.
 */
import type { PeerId } from '../netcode/socket.ts';
import type { SignalingClient } from './signaling-client.ts';
import type { SignalRelay } from '../transport/signal-relay.ts';

/** Bounds of the early buffer. */
export const EARLY_SIGNALS = { count: 256, bytes: 512 * 1024 } as const;

/** A signal's size for the budget (its JSON length; unmeasurable counts as over budget). */
function signalSize(data: unknown): number {
  try {
    return JSON.stringify(data)?.length ?? 0;
  } catch {
    return Infinity;
  }
}

/** The relay a transport gets, buffering until it subscribes; `stop` unsubscribes from the server. */
export function bufferedRelay(signaling: SignalingClient): { readonly relay: SignalRelay; readonly dropped: () => number; readonly stop: () => void } {
  const early: { from: PeerId; data: unknown }[] = [];
  let earlyBytes = 0;
  let dropped = 0;
  let deliver: ((from: PeerId, data: unknown) => void) | undefined;
  const stop = signaling.on('signal', (m) => {
    if (deliver !== undefined) return deliver(m.from, m.data);
    const size = early.length < EARLY_SIGNALS.count ? signalSize(m.data) : Infinity;
    if (earlyBytes + size > EARLY_SIGNALS.bytes) return void dropped++;
    earlyBytes += size;
    early.push({ from: m.from, data: m.data });
  });
  const relay: SignalRelay = {
    send: (to, data) => void signaling.send({ kind: 'signal', to, data }),
    onSignal: (handler) => {
      deliver = handler;
      for (const s of early.splice(0)) handler(s.from, s.data);
      earlyBytes = 0;
      return () => {
        if (deliver === handler) deliver = undefined;
      };
    },
  };
  return { relay, dropped: () => dropped, stop };
}
