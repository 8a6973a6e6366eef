/**
 * The replay API on a real signaling server over loopback, with the real embedded database and a real
 * PostgreSQL server (skipped with the reason when it cannot start here; failing on CI): upload and
 * verify, tampered (422), malformed (400), oversized (413, reading stops), rate-limited (429), unknown
 * ids (404), restart and read again, two uploads of one match cross-checked. Different uploaders are
 * different loopback source addresses (127.0.0.x).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_REPLAY_CONFIG, openReplayService, type ReplayConfig, type ReplayService } from '../../signaling/replays/index.ts';
import { startSignalingServer, type SignalingServer } from '../../signaling/server.ts';
import { usePostgres } from '../support/postgres.ts';
import { makeReplayText } from '../support/replay-files.ts';

interface Reply {
  readonly status: number;
  readonly body: string;
  readonly json: Record<string, unknown>;
  /** Bytes of the request body the client managed to write. */
  readonly sent: number;
}

/** One HTTP request from `from` (a loopback address); `body` chunks are written one by one. */
function http(url: string, method: string, body: readonly (string | Buffer)[] = [], o: { from?: string; length?: number } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    const req = request(url, { method, localAddress: o.from ?? '127.0.0.1', headers: o.length === undefined ? {} : { 'content-length': o.length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        let json: Record<string, unknown> = {};
        try {
          json = JSON.parse(text) as Record<string, unknown>;
        } catch {
          // not JSON (the SPA page)
        }
        resolve({ status: res.statusCode ?? 0, body: text, json, sent });
        req.destroy();
      });
    });
    req.on('error', reject);
    const write = (i: number): void => {
      const chunk = body[i];
      if (chunk === undefined || req.destroyed) {
        req.end();
        return;
      }
      req.write(chunk, () => {
        sent += chunk.length;
        setImmediate(() => write(i + 1));
      });
    };
    write(0);
  });
}

const root = mkdtempSync(join(tmpdir(), 'replays-api-'));
const staticDir = join(root, 'dist');
mkdirSync(staticDir);
writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>spa</title>');
const pgFixture = usePostgres();

afterAll(() => rmSync(root, { recursive: true, force: true }));

const valid = makeReplayText({ players: 2, frames: 900, seed: 4242 });

for (const engine of ['sqlite', 'postgres'] as const) {
  describe(`replay API on ${engine}`, () => {
    let service: ReplayService | undefined;
    let server: SignalingServer | undefined;
    let base = '';
    const config = (): ReplayConfig => ({
      ...DEFAULT_REPLAY_CONFIG, dataDir: join(root, engine), databaseUrl: engine === 'postgres' ? (pgFixture.server?.url ?? null) : null, uploadBurst: 10,
    });
    const start = async (): Promise<void> => {
      service = await openReplayService(config());
      server = await startSignalingServer({ peerjs: false, staticDir, replays: service.api });
      base = server.url;
    };
    const stop = async (): Promise<void> => {
      await server?.close();
      await service?.close();
    };
    beforeAll(async () => {
      if (engine === 'postgres' && pgFixture.server === undefined) return;
      await start();
    }, 60_000);
    afterAll(stop);
    const available = (ctx: { skip: (note?: string) => void }): void => {
      if (engine !== 'postgres') return;
      pgFixture.requireOrSkip(ctx);
    };
    let firstId = '';

    it('verifies an upload, answers 201 with the summary, serves metadata, the file and the share link', async (ctx) => {
      available(ctx);
      const r = await http(`${base}/api/replays`, 'POST', [valid]);
      expect(r.status, r.body).toBe(201);
      const id = String(r.json['id']);
      expect(id).toMatch(/^[A-Za-z0-9_-]{16}$/);
      expect(r.json).toMatchObject({ url: `/replay/${id}`, verified: true, frames: 900, players: 2, winner: -1, crossCheck: { status: 'single', confirmedBy: 1 } });
      const replayJson = JSON.parse(valid) as { final: { checksum: string; scores: number[] } };
      expect(r.json['finalChecksum']).toBe(replayJson.final.checksum);
      expect(r.json['scores']).toEqual(replayJson.final.scores);
      firstId = id;
      const meta = await http(`${base}/api/replays/${id}`, 'GET');
      expect(meta.status).toBe(200);
      expect(meta.json).toMatchObject({ id, verified: true, frames: 900, finalChecksum: replayJson.final.checksum });
      const file = await http(`${base}/api/replays/${id}/file`, 'GET');
      expect(file.status).toBe(200);
      expect(file.body).toBe(valid);
      const page = await http(`${base}/replay/${id}`, 'GET');
      expect(page.status).toBe(200);
      expect(page.body).toContain('<title>spa</title>');
      const list = await http(`${base}/api/replays`, 'GET');
      expect((list.json['replays'] as { id: string }[]).map((x) => x.id)).toContain(id);
      // The same file again from the same address is the same upload.
      const again = await http(`${base}/api/replays`, 'POST', [valid]);
      expect(again.status).toBe(200);
      expect(again.json['id']).toBe(id);
    });

    it('rejects a tampered replay with 422 and the first bad frame', async (ctx) => {
      available(ctx);
      const parsed = JSON.parse(valid) as { checksums: [number, string][] };
      const [frame, sum] = parsed.checksums[3] ?? [0, ''];
      const flipped = ((parseInt(sum, 16) ^ 1) >>> 0).toString(16).padStart(8, '0'); // unsigned: a checksum with its top bit set stays 8 hex digits
      const tampered = valid.replace(`[${frame},"${sum}"]`, `[${frame},"${flipped}"]`);
      expect(tampered).not.toBe(valid);
      const r = await http(`${base}/api/replays`, 'POST', [tampered]);
      expect(r.status, r.body).toBe(422);
      expect(r.json).toMatchObject({ verified: false, frame, expected: flipped, actual: sum });
      // Claimed scores that the simulation does not reach are refused as well.
      const lying = valid.replace(/"scores": \[[^\]]*\]/, '"scores": [9, 9]');
      expect((await http(`${base}/api/replays`, 'POST', [lying])).status).toBe(422);
    });

    it('rejects malformed JSON and wrong schemas with 400', async (ctx) => {
      available(ctx);
      for (const body of ['{not json', '[]', '{"format":"rollback-pong-replay","version":1}', JSON.stringify({ ...JSON.parse(valid), frames: -1 }), Buffer.from([0xff, 0xfe, 0x00])]) {
        const r = await http(`${base}/api/replays`, 'POST', [body]);
        expect(r.status, String(body)).toBe(400);
        expect(typeof r.json['error']).toBe('string');
      }
    });

    it('answers 413 to a body over 2 MiB, declared or streamed, and stops reading it', async (ctx) => {
      available(ctx);
      const declared = await http(`${base}/api/replays`, 'POST', [], { length: 3 * 1024 * 1024 });
      expect(declared.status).toBe(413);
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const chunks = Array.from({ length: 320 }, () => chunk); // 20 MiB, chunked encoding
      const streamed = await http(`${base}/api/replays`, 'POST', chunks, { from: '127.0.0.5' });
      expect(streamed.status).toBe(413);
      expect(streamed.sent).toBeLessThan(10 * 1024 * 1024);
      // The server is still fine.
      expect((await http(`${base}/healthz`, 'GET')).status).toBe(200);
    });

    it('rate-limits uploads per address with 429', async (ctx) => {
      available(ctx);
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await http(`${base}/api/replays`, 'POST', ['{}'], { from: '127.0.0.9' })).status);
      expect(statuses.slice(0, 10)).toEqual(new Array(10).fill(400));
      expect(statuses.slice(10)).toEqual([429, 429]);
      // Another address is not affected.
      expect((await http(`${base}/api/replays`, 'POST', ['{}'], { from: '127.0.0.10' })).status).toBe(400);
    });

    it('answers 404 to unknown and malformed ids', async (ctx) => {
      available(ctx);
      for (const path of ['/api/replays/AAAAAAAAAAAAAAAA', '/api/replays/AAAAAAAAAAAAAAAA/file', '/api/replays/..%2f..', '/api/replays/x/y/z']) {
        expect((await http(`${base}${path}`, 'GET')).status, path).toBe(404);
      }
    });

    it('cross-checks two uploads of one match: confirmed by 2 players, flagged when they differ', async (ctx) => {
      available(ctx);
      const other = await http(`${base}/api/replays`, 'POST', [valid], { from: '127.0.0.2' });
      expect(other.status).toBe(201);
      expect(other.json['id']).not.toBe(firstId);
      expect(other.json['crossCheck']).toMatchObject({ status: 'confirmed', confirmedBy: 2, conflicts: [] });
      expect((await http(`${base}/api/replays/${firstId}`, 'GET')).json['crossCheck']).toMatchObject({ status: 'confirmed', confirmedBy: 2 });
      // A third "player" with other inputs under the same match config: verifies alone, but disagrees.
      const forged = makeReplayText({ players: 2, frames: 900, seed: 4242, inputSeed: 99 });
      const third = await http(`${base}/api/replays`, 'POST', [forged], { from: '127.0.0.3' });
      expect(third.status, third.body).toBe(201);
      expect(third.json['crossCheck']).toMatchObject({ status: 'flagged', confirmedBy: 1 });
      const first = await http(`${base}/api/replays/${firstId}`, 'GET');
      expect(first.json['crossCheck']).toMatchObject({ status: 'flagged', confirmedBy: 2, conflicts: [third.json['id']] });
    });

    it("lists a lobby's finished matches in order, one entry per match, cross-checked", async (ctx) => {
      available(ctx);
      const m1 = makeReplayText({ players: 2, frames: 300, seed: 777, names: ['Ann', 'Bo'] });
      const m2 = makeReplayText({ players: 2, frames: 300, seed: 778, names: ['Ann', 'Bo'] });
      expect((await http(`${base}/api/replays?lobby=Lobby_1`, 'POST', [m1], { from: '127.0.0.20' })).status).toBe(201);
      expect((await http(`${base}/api/replays?lobby=Lobby_1`, 'POST', [m1], { from: '127.0.0.21' })).status).toBe(201);
      expect((await http(`${base}/api/replays?lobby=Lobby_1`, 'POST', [m2], { from: '127.0.0.20' })).status).toBe(201);
      expect((await http(`${base}/api/replays?lobby=Other`, 'POST', [m2], { from: '127.0.0.4' })).status).toBe(201);
      const h = await http(`${base}/api/replays?lobby=Lobby_1`, 'GET');
      expect(h.status).toBe(200);
      const matches = h.json['matches'] as { finalChecksum: string; crossCheck: { status: string; confirmedBy: number } }[];
      expect(matches.map((m) => m.finalChecksum)).toEqual([m1, m2].map((t) => (JSON.parse(t) as { final: { checksum: string } }).final.checksum));
      expect(matches.map((m) => m.crossCheck)).toMatchObject([{ status: 'confirmed', confirmedBy: 2 }, { status: 'single', confirmedBy: 1 }]);
      expect((await http(`${base}/api/replays?lobby=bad%20code`, 'GET')).status).toBe(400);
      expect((await http(`${base}/api/replays?lobby=${'x'.repeat(65)}`, 'POST', [m1])).status).toBe(400);
    });

    it('keeps every replay across a restart', async (ctx) => {
      available(ctx);
      await stop();
      await start();
      const meta = await http(`${base}/api/replays/${firstId}`, 'GET');
      expect(meta.status).toBe(200);
      expect(meta.json['crossCheck']).toMatchObject({ status: 'flagged', confirmedBy: 2 });
      expect((await http(`${base}/api/replays/${firstId}/file`, 'GET')).body).toBe(valid);
    }, 30_000);
  });
}
