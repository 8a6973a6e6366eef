/**
 * The shared store: PostgreSQL through `pg` (`DATABASE_URL=postgres://…`), for several server instances
 * behind one address. Same schema and migrations as the embedded store; migrations run under an
 * advisory lock so that instances starting together apply them once.
 */
import pg from 'pg';
import { MIGRATIONS, MIGRATIONS_TABLE } from './migrations.ts';
import { recordFromRow, rowValues, SUMMARY_COLUMNS } from './store.ts';
import type { ReplayRecord, ReplayRow, ReplayStore } from './store.ts';

/** Arbitrary constant key of the advisory lock held while migrating. */
const MIGRATION_LOCK = 720_413;

/** Connects to `url`, applies missing migrations and returns the store. */
export async function openPostgresStore(url: string, nowMs: () => number = Date.now): Promise<ReplayStore> {
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  // An idle client losing its connection must not crash the server; the next query reconnects.
  pool.on('error', () => {});
  try {
    await migrate(pool, nowMs());
  } catch (error) {
    await pool.end();
    throw error;
  }
  const placeholders = SUMMARY_COLUMNS.split(',').map((_, i) => `$${i + 1}`).join(', ');
  const fileParam = `$${SUMMARY_COLUMNS.split(',').length + 1}`;
  const rows = async (sql: string, params: readonly (string | number)[]): Promise<ReplayRecord[]> =>
    (await pool.query<ReplayRow>(sql, [...params])).rows.map(recordFromRow);
  const one = async (sql: string, params: readonly (string | number)[]): Promise<ReplayRecord | null> => (await rows(sql, params))[0] ?? null;
  let closed = false;

  return {
    kind: 'postgres',
    async insert(record, file, retention, now) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query(`INSERT INTO replays (${SUMMARY_COLUMNS}, file) VALUES (${placeholders}, ${fileParam})`, rowValues(record, file));
        const old = await client.query<{ id: string }>('DELETE FROM replays WHERE created_ms < $1 RETURNING id', [now - retention.maxAgeMs]);
        const beyond = await client.query<{ id: string }>(
          'DELETE FROM replays WHERE id IN (SELECT id FROM replays ORDER BY created_ms DESC, id DESC OFFSET $1) RETURNING id', [retention.maxCount]);
        await client.query('COMMIT');
        return [...old.rows, ...beyond.rows].map((r) => r.id);
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    get: (id) => one(`SELECT ${SUMMARY_COLUMNS} FROM replays WHERE id = $1`, [id]),
    async file(id) {
      const r = await pool.query<{ file: string }>('SELECT file FROM replays WHERE id = $1', [id]);
      return r.rows[0]?.file ?? null;
    },
    findDuplicate: (hash, uploader) => one(`SELECT ${SUMMARY_COLUMNS} FROM replays WHERE content_hash = $1 AND uploader = $2 LIMIT 1`, [hash, uploader]),
    byMatch: (key, limit) => rows(`SELECT ${SUMMARY_COLUMNS} FROM replays WHERE match_key = $1 ORDER BY created_ms, id LIMIT $2`, [key, limit]),
    byLobby: (lobby, limit) => rows(`SELECT ${SUMMARY_COLUMNS} FROM replays WHERE lobby = $1 ORDER BY created_ms, id LIMIT $2`, [lobby, limit]),
    recent: (limit) => rows(`SELECT ${SUMMARY_COLUMNS} FROM replays ORDER BY created_ms DESC, id DESC LIMIT $1`, [limit]),
    async count() {
      const r = await pool.query<{ n: string }>('SELECT COUNT(*) AS n FROM replays');
      return Number(r.rows[0]?.n ?? 0);
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}

async function migrate(pool: pg.Pool, nowMs: number): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await client.query(MIGRATIONS_TABLE);
      const applied = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
      for (const m of MIGRATIONS) {
        if (applied.has(m.version)) continue;
        await client.query('BEGIN');
        try {
          for (const sql of m.statements) await client.query(sql);
          await client.query('INSERT INTO schema_migrations (version, name, applied_ms) VALUES ($1, $2, $3)', [m.version, m.name, nowMs]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(() => {});
          throw error;
        }
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    client.release();
  }
}
