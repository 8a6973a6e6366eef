/**
 * The replay store against real databases: the embedded SQLite file and a real PostgreSQL server
 * started by this file (skipped with the reason when PostgreSQL cannot start here; failing on CI).
 * Same tests for both: insert and read, restart and read again, retention by count and by age.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS, MIGRATIONS_TABLE, SCHEMA_VERSION } from '../../signaling/replays/migrations.ts';
import { openPostgresStore } from '../../signaling/replays/postgres-store.ts';
import { openSqliteStore } from '../../signaling/replays/sqlite-store.ts';
import type { ReplayRecord, ReplayStore } from '../../signaling/replays/store.ts';
import { usePostgres } from '../support/postgres.ts';

const record = (id: string, createdMs: number, over: Partial<ReplayRecord> = {}): ReplayRecord => ({
  id, createdMs, contentHash: `h-${id}`, matchKey: 'm1', uploader: 'u1', frames: 600, players: 2, finalChecksum: '0a0b0c0d',
  scores: [1, 2], winner: -1, names: ['Ann', 'Bo'], checkpoints: [[60, '00000001'], [600, '0a0b0c0d']], lobby: '', ...over,
});
const keepAll = { maxCount: 1000, maxAgeMs: 1e12 };

interface Engine {
  readonly name: string;
  /** Opens the same database again (a restart). */
  open(): Promise<ReplayStore>;
  /** A database of its own, for a test that must start empty. */
  fresh(): Promise<ReplayStore>;
  /** A database of its own left at schema version 1 with one replay in it, then opened as a store. */
  upgradeFromV1(): Promise<{ store: ReplayStore; versions: () => Promise<number[]> }>;
}

/** Schema version 1 and one row written as a version-1 server wrote it. */
const V1_SQL = [MIGRATIONS_TABLE, ...(MIGRATIONS[0]?.statements ?? []), "INSERT INTO schema_migrations (version, name, applied_ms) VALUES (1, 'replays', 0)",
  `INSERT INTO replays (id, created_ms, content_hash, match_key, uploader, frames, players, final_checksum, scores, winner, names, checkpoints, file)
   VALUES ('old', 5, 'h', 'm', 'u', 60, 2, '00000001', '[0,0]', -1, '[]', '[[60,"00000001"]]', 'F')`];

const dir = mkdtempSync(join(tmpdir(), 'replay-store-'));
const pgFixture = usePostgres();
let pgDbs = 0;

afterAll(() => rmSync(dir, { recursive: true, force: true }));

let sqliteDbs = 0;
const sqlite: Engine = {
  name: 'sqlite',
  open: () => Promise.resolve(openSqliteStore(join(dir, 'main', 'replays.sqlite'))),
  upgradeFromV1() {
    const path = join(dir, `v1-${++sqliteDbs}.sqlite`);
    const raw = new Database(path);
    for (const sql of V1_SQL) raw.exec(sql);
    raw.close();
    const store = openSqliteStore(path);
    const versions = (): Promise<number[]> => {
      const db = new Database(path, { readonly: true });
      const v = db.prepare<[], { version: number }>('SELECT version FROM schema_migrations ORDER BY version').all().map((r) => r.version);
      db.close();
      return Promise.resolve(v);
    };
    return Promise.resolve({ store, versions });
  },
  fresh: () => Promise.resolve(openSqliteStore(join(dir, `fresh-${++sqliteDbs}`, 'replays.sqlite'))),
};
const postgres: Engine = {
  name: 'postgres',
  open: () => openPostgresStore(pgFixture.server?.url ?? ''),
  async upgradeFromV1() {
    const name = `v1_${++pgDbs}`;
    const pg = (await import('pg')).default;
    const admin = new pg.Client({ connectionString: pgFixture.server?.url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = (pgFixture.server?.url ?? '').replace(/\/postgres$/, `/${name}`);
    const raw = new pg.Client({ connectionString: url });
    await raw.connect();
    for (const sql of V1_SQL) await raw.query(sql);
    await raw.end();
    const store = await openPostgresStore(url);
    const versions = async (): Promise<number[]> => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      const r = await c.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
      await c.end();
      return r.rows.map((x) => x.version);
    };
    return { store, versions };
  },
  async fresh() {
    const name = `fresh_${++pgDbs}`;
    const pg = (await import('pg')).default;
    const c = new pg.Client({ connectionString: pgFixture.server?.url });
    await c.connect();
    await c.query(`CREATE DATABASE ${name}`);
    await c.end();
    return openPostgresStore((pgFixture.server?.url ?? '').replace(/\/postgres$/, `/${name}`));
  },
};

for (const engine of [sqlite, postgres]) {
  describe(`replay store: ${engine.name}`, () => {
    const available = (ctx: { skip: (note?: string) => void }): void => {
      if (engine.name !== 'postgres') return;
      pgFixture.requireOrSkip(ctx);
    };

    it('stores a replay and reads it back after a restart', async (ctx) => {
      available(ctx);
      const a = await engine.open();
      expect(await a.insert(record('r1', 1000), '{"file":1}', keepAll, 1000)).toEqual([]);
      expect(await a.get('r1')).toEqual(record('r1', 1000));
      await a.close();
      const b = await engine.open();
      expect(await b.get('r1')).toEqual(record('r1', 1000));
      expect(await b.file('r1')).toBe('{"file":1}');
      expect(await b.get('nope')).toBeNull();
      expect(await b.file('nope')).toBeNull();
      await b.close();
    });

    it('finds duplicates, groups by match, lists newest first', async (ctx) => {
      available(ctx);
      const s = await engine.fresh();
      await s.insert(record('a', 1, { uploader: 'u1' }), 'A', keepAll, 1);
      await s.insert(record('b', 2, { uploader: 'u2', contentHash: 'h-a' }), 'B', keepAll, 2);
      await s.insert(record('c', 3, { matchKey: 'm2', lobby: 'L1' }), 'C', keepAll, 3);
      await s.insert(record('d', 4, { matchKey: 'm3', lobby: 'L1' }), 'D', keepAll, 4);
      expect((await s.findDuplicate('h-a', 'u1'))?.id).toBe('a');
      expect((await s.findDuplicate('h-a', 'u2'))?.id).toBe('b');
      expect(await s.findDuplicate('h-a', 'u3')).toBeNull();
      expect((await s.byMatch('m1', 10)).map((r) => r.id)).toEqual(['a', 'b']);
      expect((await s.recent(2)).map((r) => r.id)).toEqual(['d', 'c']);
      expect((await s.byLobby('L1', 10)).map((r) => r.id)).toEqual(['c', 'd']);
      expect(await s.byLobby('L2', 10)).toEqual([]);
      expect(await s.count()).toBe(4);
      await s.close();
    });

    it('applies retention on insert: count, then age', async (ctx) => {
      available(ctx);
      const s = await engine.fresh();
      for (let i = 1; i <= 5; i++) await s.insert(record(`r${i}`, i * 1000), 'x', { maxCount: 3, maxAgeMs: 1e12 }, i * 1000);
      expect((await s.recent(10)).map((r) => r.id)).toEqual(['r5', 'r4', 'r3']);
      const gone = await s.insert(record('r6', 10_000), 'x', { maxCount: 10, maxAgeMs: 6_500 }, 10_000);
      expect([...gone].sort()).toEqual(['r3']);
      expect((await s.recent(10)).map((r) => r.id)).toEqual(['r6', 'r5', 'r4']);
      await s.close();
    });

    it('upgrades a version-1 database in place: old rows kept, the new column defaulted', async (ctx) => {
      available(ctx);
      const { store, versions } = await engine.upgradeFromV1();
      expect(await store.get('old')).toMatchObject({ id: 'old', frames: 60, lobby: '' });
      expect(await store.file('old')).toBe('F');
      expect(await versions()).toEqual(MIGRATIONS.map((m) => m.version));
      expect(SCHEMA_VERSION).toBe(2);
      await store.close();
    });

    it('migrations are applied once: reopening twice keeps the data and the schema version', async (ctx) => {
      available(ctx);
      const a = await engine.open();
      const before = await a.count();
      await a.close();
      const b = await engine.open();
      expect(await b.count()).toBe(before);
      await b.close();
    });
  });
}
