// Leaving a match: our final records go to the lobby server at once, before the room tells it we left.
// They used to wait in the notary's backlog for the next frame's `collect`, which never came (the room
// closes right after): every other peer then ended our input at our last periodic record, up to 30
// frames before where our own timeline (and a watcher we fed) had it — a watcher's desync at the frame
// after that record, seen once in CI (lobby-watch-peerjs, "its feeder leaves").
import { describe, expect, it } from 'vitest';
import { OnlineMatch } from '../../src/lobby/online-match.ts';
import { recordFromData } from '../../src/lobby/record-data.ts';
import { decodeRecord } from '../../src/netcode/input-record.ts';
import { createLoopbackMesh } from '../../src/transport/loopback.ts';

const ids = ['m1', 'm2'];
const setup = { players: 2, pointsToWin: 5, inputDelay: 2, maxPrediction: 8 };

describe('OnlineMatch.leave', () => {
  it('hands every record, the final one last and reaching our last input, to the lobby server before returning', () => {
    const datagrams = createLoopbackMesh(ids);
    let now = 0;
    const sent = new Map<string, string[]>(ids.map((id) => [id, []]));
    const matches = ids.map((id, localPlayer) => {
      const socket = datagrams.get(id);
      if (socket === undefined) throw new Error('no socket');
      const link = { localId: id, unreliable: socket, reliable: socket, connectedPeers: () => ids.filter((x) => x !== id), drainEvents: () => [], close: () => undefined };
      return new OnlineMatch({
        link, now: () => now,
        start: { round: 1, seed: 7, sessionId: 42, order: ids, localPlayer, setup, startAtHostMs: 0, localStartMs: 0, clockOffsetMs: 0 },
        notary: { send: (data) => sent.get(id)?.push(data), up: true, report: () => undefined },
      });
    });
    // 45 frames past the last periodic record (every 30): records are produced by then, not all sent.
    for (; now < 1_250; now += 17) for (const m of matches) m.update(now, 0);
    const ours = matches[0] as OnlineMatch;
    const decoded = (): ReturnType<typeof decodeRecord>[] => (sent.get('m1') ?? []).map((d) => decodeRecord(recordFromData(d) ?? new Uint8Array()));
    const before = decoded().length;
    ours.leave(now);
    const records = decoded();
    expect(records.length).toBeGreaterThan(before);
    const last = records[records.length - 1];
    if (last === undefined || !last.ok) throw new Error('no final record');
    expect(last.record.final).toBe(true);
    // It ends where our own input does (our coverage: every input we produced), past our current frame.
    expect(last.record.startFrame + last.record.inputs.length - 1).toBe(ours.session.recordCoverage(0));
    expect(ours.session.recordCoverage(0)).toBeGreaterThanOrEqual(ours.session.currentFrame);
  });
});
