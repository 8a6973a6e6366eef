/**
 * Micro-benchmark of the wire codec on the steady-state input packet of a 2-player match
 * (4 identical unacknowledged inputs, 20 bytes). Times batches of calls and reports the median
 * batch divided by its size, which shrugs off GC pauses and the other work on a shared machine.
 * Run alone with `npx tsx bench/codec.ts`.
 */
import { fileURLToPath } from 'node:url';
import { decodePacket, encodePacket } from '../src/netcode/codec.ts';
import type { Packet } from '../src/netcode/protocol.ts';
import { quantile } from '../src/shared/quantile.ts';

const BATCH = 2_000;
const BATCHES = 101;
const WARMUP_BATCHES = 20;

const steadyInput: Packet = {
  sessionId: 0xdeadbeef,
  message: {
    kind: 'input',
    player: 1,
    startFrame: 1000,
    inputs: [5, 5, 5, 5],
    ackFrame: 998,
    senderFrame: 1005,
    senderTimeMs: 123_456,
    status: [
      { disconnected: false, lastFrame: 998 },
      { disconnected: false, lastFrame: 1003 },
    ],
  },
};

/** Median nanoseconds per call of `op` over `BATCHES` timed batches of `BATCH` calls. */
function medianNs(op: () => number): number {
  let sink = 0;
  const perCall: number[] = [];
  for (let b = 0; b < WARMUP_BATCHES + BATCHES; b++) {
    const start = performance.now();
    for (let i = 0; i < BATCH; i++) sink += op();
    const elapsed = performance.now() - start;
    if (b >= WARMUP_BATCHES) perCall.push((elapsed * 1e6) / BATCH);
  }
  // Keeps the calls observable so the optimizer cannot drop them.
  if (sink === -1) console.log(sink);
  return quantile(perCall, 0.5);
}

/** Encode and decode cost of one steady-state input packet, in ns (median), plus its size. */
export function benchCodec(): Record<string, number> {
  const bytes = encodePacket(steadyInput);
  return {
    codec_encode_input_ns: medianNs(() => encodePacket(steadyInput).length),
    codec_decode_input_ns: medianNs(() => (decodePacket(bytes).ok ? 1 : 0)),
    codec_input_packet_bytes: bytes.length,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(benchCodec());
