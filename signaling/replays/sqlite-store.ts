/**
 * The embedded default store: one SQLite file (`<DATA_DIR>/replays.sqlite`) through better-sqlite3.
 * Synchronous and native: a query takes microseconds and opening takes milliseconds, so the store needs
 * no pool and no set-up. WAL mode with `synchronous = NORMAL` keeps every committed insert across a
 * process crash or restart (only a power cut can lose the last commits).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS, MIGRATIONS_TABLE } from './migrations.ts';
import { recordFromRow, rowValues, SUMMARY_COLUMNS } from './store.ts';
import type { ReplayRecord, ReplayRow, ReplayStore, Retention } from './store.ts';

/** Opens (creating when missing) the SQLite store at `path`; `:memory:` is accepted for experiments. */
export function openSqliteStore(path: string, nowMs: () => number = Date.now): ReplayStore {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  migrate(db, nowMs());

  const insertRow = db.prepare(`INSERT INTO replays (${SUMMARY_COLUMNS}, file) VALUES (${SUMMARY_COLUMNS.split(',').map(() => '?').join(', ')}, ?)`);
  const deleteOld = db.prepare<[number], { id: string }>('DELETE FROM replays WHERE created_ms < ? RETURNING id');
  const deleteBeyond = db.prepare<[number], { id: string }>(
    'DELETE FROM replays WHERE id IN (SELECT id FROM replays ORDER BY created_ms DESC, id DESC LIMIT -1 OFFSET ?) RETURNING id');
  const getRow = db.prepare<[string], ReplayRow>(`SELECT ${SUMMARY_COLUMNS} FROM replays WHERE id = ?`);
  const getFile = db.prepare<[string], { file: string }>('SELECT file FROM replays WHERE id = ?');
  const dupRow = db.prepare<[string, string], ReplayRow>(`SELECT ${SUMMARY_COLUMNS} FROM replays WHERE content_hash = ? AND uploader = ? LIMIT 1`);
  const matchRows = db.prepare<[string, number], ReplayRow>(`SELECT ${SUMMARY_COLUMNS} FROM replays WHERE match_key = ? ORDER BY created_ms, id LIMIT ?`);
  const lobbyRows = db.prepare<[string, number], ReplayRow>(`SELECT ${SUMMARY_COLUMNS} FROM replays WHERE lobby = ? ORDER BY created_ms, id LIMIT ?`);
  const recentRows = db.prepare<[number], ReplayRow>(`SELECT ${SUMMARY_COLUMNS} FROM replays ORDER BY created_ms DESC, id DESC LIMIT ?`);
  const countRows = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM replays');
  const insertTx = db.transaction((record: ReplayRecord, file: string, retention: Retention, now: number): string[] => {
    insertRow.run(...rowValues(record, file));
    const gone = deleteOld.all(now - retention.maxAgeMs).map((r) => r.id);
    for (const r of deleteBeyond.all(retention.maxCount)) gone.push(r.id);
    return gone;
  });
  let closed = false;

  return {
    kind: 'sqlite',
    insert: (record, file, retention, now) => Promise.resolve(insertTx(record, file, retention, now)),
    get: (id) => Promise.resolve(maybe(getRow.get(id))),
    file: (id) => Promise.resolve(getFile.get(id)?.file ?? null),
    findDuplicate: (hash, uploader) => Promise.resolve(maybe(dupRow.get(hash, uploader))),
    byMatch: (key, limit) => Promise.resolve(matchRows.all(key, limit).map(recordFromRow)),
    byLobby: (lobby, limit) => Promise.resolve(lobbyRows.all(lobby, limit).map(recordFromRow)),
    recent: (limit) => Promise.resolve(recentRows.all(limit).map(recordFromRow)),
    count: () => Promise.resolve(countRows.get()?.n ?? 0),
    close: () => {
      if (!closed) {
        closed = true;
        db.close();
      }
      return Promise.resolve();
    },
  };
}

function maybe(row: ReplayRow | undefined): ReplayRecord | null {
  return row === undefined ? null : recordFromRow(row);
}

function migrate(db: Database.Database, nowMs: number): void {
  db.exec(MIGRATIONS_TABLE);
  const applied = new Set(db.prepare<[], { version: number }>('SELECT version FROM schema_migrations').all().map((r) => r.version));
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_ms) VALUES (?, ?, ?)');
  db.transaction(() => {
    for (const m of MIGRATIONS) {
      if (applied.has(m.version)) continue;
      for (const sql of m.statements) db.exec(sql);
      record.run(m.version, m.name, nowMs);
    }
  }).immediate();
}
