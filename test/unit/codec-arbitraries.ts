/**
 * fast-check arbitraries of valid wire packets, shared by the codec round-trip and fuzz tests.
 * They cover every field's full range (with a bias towards the small values real matches send).
 */
import fc from 'fast-check';
import { LIMITS } from '../../src/netcode/protocol.ts';
import type { Message, Packet } from '../../src/netcode/protocol.ts';

const MAX_FRAME = LIMITS.maxFrame;

/** Any unsigned 32-bit integer (fc.integer stops at 2^31 - 1). */
export const u32 = fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffff })).map(([hi, lo]) => hi * 0x1_0000 + lo);
/** A frame, usually small, sometimes anywhere up to `maxFrame` (and the extremes). */
export const frame = fc.oneof(fc.integer({ min: 0, max: 20_000 }), fc.integer({ min: 0, max: MAX_FRAME }), fc.constantFrom(0, MAX_FRAME));
/** A frame or -1 ("none"). */
export const frameOrNone = fc.oneof(frame, fc.constant(-1), fc.constant(MAX_FRAME));
/** Any finite float64, -0 and subnormals included. */
export const finite = fc.double({ noNaN: true, noDefaultInfinity: true });
const player = fc.integer({ min: 0, max: LIMITS.maxPlayers - 1 });
const inputByte = fc.integer({ min: 0, max: 255 });

/** Inputs as players produce them: runs of held buttons, or anything at all. */
const inputs = fc
  .oneof(
    fc.array(inputByte, { maxLength: LIMITS.maxInputsPerMessage }),
    fc
      .array(fc.tuple(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 3 })), { maxLength: 12 })
      .map((runs) => runs.flatMap(([length, value]) => Array.from({ length }, () => value)).slice(0, LIMITS.maxInputsPerMessage)),
  );

const status = fc.array(
  fc.record({ disconnected: fc.boolean(), lastFrame: frameOrNone }),
  { maxLength: LIMITS.maxPlayers },
);

/** Input messages with every constraint met (the last input frame stays within `maxFrame`). */
export const inputMessage: fc.Arbitrary<Message> = fc
  .record({ player, startFrame: frame, inputs, ackFrame: frameOrNone, senderFrame: frame, senderTimeMs: u32, status })
  .map((m) => ({ kind: 'input' as const, ...m, startFrame: Math.min(m.startFrame, MAX_FRAME - m.inputs.length + 1) }));

/** A batch of final inputs for a spectator: 2-4 players, 0-64 frames, `finalFrame` at or past its end. */
const feedInputs: fc.Arbitrary<Message> = fc
  .record({
    players: fc.integer({ min: 2, max: LIMITS.maxPlayers }),
    count: fc.integer({ min: 0, max: LIMITS.maxSpectateFrames }),
    startFrame: frame,
    slack: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: MAX_FRAME })),
    held: fc.boolean(),
    values: fc.array(inputByte, { minLength: LIMITS.maxSpectateFrames * LIMITS.maxPlayers, maxLength: LIMITS.maxSpectateFrames * LIMITS.maxPlayers }),
  })
  .map(({ players, count, startFrame, slack, held, values }) => {
    const start = Math.min(startFrame, MAX_FRAME - count + 1);
    // Held buttons (runs) or anything at all.
    const rows = Array.from({ length: count }, (_, f) => Array.from({ length: players }, (_, p) => (held ? (values[p] ?? 0) & (f < count / 2 ? 3 : 1) : (values[f * players + p] ?? 0))));
    const last = start + count - 1;
    return { kind: 'spectate-feed' as const, body: { kind: 'inputs' as const, startFrame: start, finalFrame: Math.min(MAX_FRAME, last + slack), inputs: rows } };
  });

/** Every message kind, each with valid fields. */
export const message: fc.Arbitrary<Message> = fc.oneof(
  fc.record({ kind: fc.constant('sync-request' as const), nonce: u32, t0: finite }),
  fc.record({ kind: fc.constant('sync-reply' as const), nonce: u32, t0: finite, t1: finite, t2: finite }),
  inputMessage,
  fc.record({ kind: fc.constant('quality-report' as const), frameAdvantage: fc.integer({ min: -127, max: 127 }), senderFrame: frame }),
  fc.record({
    kind: fc.constant('checksum-report' as const),
    entries: fc.array(fc.record({ frame, checksum: u32 }), { maxLength: LIMITS.maxChecksums }),
  }),
  fc.constant({ kind: 'keep-alive' as const }),
  fc.record({ kind: fc.constant('disconnect-notice' as const), player, frame }),
  fc.record({ kind: fc.constant('state-request' as const), frame }),
  fc.record({ kind: fc.constant('state-reply' as const), frame, state: fc.uint8Array({ maxLength: LIMITS.maxStateBytes }) }),
  fc.constant({ kind: 'rejoin-request' as const }),
  fc.record({ kind: fc.constant('rejoin-transfer' as const), payload: fc.uint8Array({ minLength: 1, maxLength: LIMITS.maxTransferBytes }) }),
  fc.record({ kind: fc.constant('spectate-request' as const), next: frame }),
  fc.record({ kind: fc.constant('spectate-feed' as const), body: fc.record({ kind: fc.constant('transfer' as const), payload: fc.uint8Array({ minLength: 1, maxLength: LIMITS.maxTransferBytes }) }) }),
  feedInputs,
);

/** A valid packet of any kind. */
export const packet: fc.Arbitrary<Packet> = fc.record({ sessionId: u32, message });
