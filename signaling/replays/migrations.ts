/**
 * The schema, as an ordered list of migrations shared by SQLite and PostgreSQL (the SQL is the common
 * subset of both). Each store records applied versions in `schema_migrations` and applies the missing
 * ones in order inside a transaction, so a restarted or upgraded server finds its data where it was.
 */

/** One schema step. Never edit a released one: append a new version. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly statements: readonly string[];
}

/** The table recording applied versions. */
export const MIGRATIONS_TABLE = 'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_ms BIGINT NOT NULL)';

/** Every migration, oldest first. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'replays',
    statements: [
      `CREATE TABLE replays (
        id TEXT PRIMARY KEY,
        created_ms BIGINT NOT NULL,
        content_hash TEXT NOT NULL,
        match_key TEXT NOT NULL,
        uploader TEXT NOT NULL,
        frames INTEGER NOT NULL,
        players INTEGER NOT NULL,
        final_checksum TEXT NOT NULL,
        scores TEXT NOT NULL,
        winner INTEGER NOT NULL,
        names TEXT NOT NULL,
        checkpoints TEXT NOT NULL,
        file TEXT NOT NULL
      )`,
      'CREATE INDEX replays_created ON replays (created_ms)',
      'CREATE INDEX replays_match ON replays (match_key)',
      'CREATE INDEX replays_content ON replays (content_hash, uploader)',
    ],
  },
  {
    version: 2,
    name: 'lobby history',
    statements: [
      "ALTER TABLE replays ADD COLUMN lobby TEXT NOT NULL DEFAULT ''",
      'CREATE INDEX replays_lobby ON replays (lobby, created_ms)',
    ],
  },
];

/** The latest schema version. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;
