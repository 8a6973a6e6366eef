/**
 * `state-request` (desync forensics): an honest peer asks once for each frame it found desynced, in
 * order; a flood of requests gets one reply per frame, the rest dropped and counted.
 */
import { describe, expect, it } from 'vitest';
import { decodeState, diffStates, encodeState } from '../../src/game/index.ts';
import { encodePacket, type Datagram, type PeerSocket } from '../../src/netcode/index.ts';
import { makeRig, runFrame, TICK_MS } from '../support/netcode.ts';

const forensics = { encode: encodeState, decode: (b: Uint8Array) => { const r = decodeState(b); return r.ok ? r.state : undefined; }, diff: diffStates };
const STATE_REPLY = 10; // the message kind byte of a state reply

describe('hostile state requests', () => {
  it('answers a flood of requests for one final frame once, then only later frames, once each', () => {
    const { peers, sockets } = makeRig(2, { forensics });
    const [a, b] = peers;
    if (a === undefined || b === undefined) throw new Error('no rig');
    for (let t = 0; t < 200; t++) for (const p of [a, b]) runFrame(p, t % 3, t * TICK_MS);
    const raw = sockets.get(b.id) as PeerSocket;
    raw.receiveAll();
    const request = (frame: number): Uint8Array => encodePacket({ sessionId: 42, message: { kind: 'state-request', frame } });
    for (let i = 0; i < 1_000; i++) raw.send(a.id, request(120));
    for (let i = 0; i < 1_000; i++) raw.send(a.id, request(60)); // older than one answered: a flood too
    runFrame(a, 0, 200 * TICK_MS);
    const replies = (got: Datagram[]): number => got.filter((d) => d.bytes[2] === STATE_REPLY).length;
    expect(replies(raw.receiveAll())).toBe(1);
    const rejected = a.session.stats(201 * TICK_MS).rejected?.['state-request-excess'] ?? 0;
    expect(rejected).toBe(1_999);
    // A later final frame (an honest peer's next desynced checkpoint) is still answered, once.
    raw.send(a.id, request(180));
    raw.send(a.id, request(180));
    runFrame(a, 0, 201 * TICK_MS);
    expect(replies(raw.receiveAll())).toBe(1);
  });
});
