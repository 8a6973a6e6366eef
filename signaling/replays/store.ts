/**
 * The replay store port: one interface, two implementations (embedded SQLite in `sqlite-store.ts`,
 * shared PostgreSQL in `postgres-store.ts`) over the same schema (`migrations.ts`). Every stored replay
 * has already been re-simulated by the server; the store keeps its summary (for listings and the
 * cross-check of several uploads of one match) next to the file itself.
 */
import type { VerifiedSummary } from './verify.ts';

/** What the server knows about one verified upload: its verified summary, plus where it came from. */
export interface ReplayRecord extends VerifiedSummary {
  /** Unguessable id (base64url of 12 random bytes). */
  readonly id: string;
  readonly createdMs: number;
  /** Pseudonymous uploader key (hash of the address): counts distinct confirming players. */
  readonly uploader: string;
  /** The lobby code the uploader named ('' for none): the uploader's claim, used to list a lobby's history. */
  readonly lobby: string;
}

/** How many replays are kept, and how long (applied on every insert). */
export interface Retention {
  /** Most replays kept; the oldest beyond it are deleted. */
  readonly maxCount: number;
  /** Oldest replay kept, in ms; older ones are deleted. */
  readonly maxAgeMs: number;
}

/** Storage of verified replays. Implementations never lose a committed insert across a restart. */
export interface ReplayStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Stores a replay and then applies `retention` (in one transaction); resolves the ids deleted. */
  insert(record: ReplayRecord, file: string, retention: Retention, nowMs: number): Promise<readonly string[]>;
  get(id: string): Promise<ReplayRecord | null>;
  /** The uploaded file's text. */
  file(id: string): Promise<string | null>;
  /** An earlier upload of the same file by the same uploader. */
  findDuplicate(contentHash: string, uploader: string): Promise<ReplayRecord | null>;
  /** Uploads of one match, oldest first (at most `limit`). */
  byMatch(matchKey: string, limit: number): Promise<readonly ReplayRecord[]>;
  /** Uploads tagged with a lobby code, oldest first (at most `limit`). */
  byLobby(lobby: string, limit: number): Promise<readonly ReplayRecord[]>;
  /** Newest replays first (at most `limit`). */
  recent(limit: number): Promise<readonly ReplayRecord[]>;
  count(): Promise<number>;
  close(): Promise<void>;
}

/** A row as both databases return it (PostgreSQL returns BIGINT as a string). */
export interface ReplayRow {
  readonly id: string;
  readonly created_ms: number | string;
  readonly content_hash: string;
  readonly match_key: string;
  readonly uploader: string;
  readonly frames: number;
  readonly players: number;
  readonly final_checksum: string;
  readonly scores: string;
  readonly winner: number;
  readonly names: string;
  readonly checkpoints: string;
  readonly lobby: string;
}

/** The columns of `ReplayRow`, in insert order (the file column comes last). */
export const SUMMARY_COLUMNS = 'id, created_ms, content_hash, match_key, uploader, frames, players, final_checksum, scores, winner, names, checkpoints, lobby';

/** Row values for an insert, in `SUMMARY_COLUMNS` order followed by the file. */
export function rowValues(r: ReplayRecord, file: string): (string | number)[] {
  return [r.id, r.createdMs, r.contentHash, r.matchKey, r.uploader, r.frames, r.players, r.finalChecksum,
    JSON.stringify(r.scores), r.winner, JSON.stringify(r.names), JSON.stringify(r.checkpoints), r.lobby, file];
}

/** Decodes a row written by `rowValues` (our own writes: the JSON columns are trusted). */
export function recordFromRow(row: ReplayRow): ReplayRecord {
  return {
    id: row.id,
    createdMs: Number(row.created_ms),
    contentHash: row.content_hash,
    matchKey: row.match_key,
    uploader: row.uploader,
    frames: Number(row.frames),
    players: Number(row.players),
    finalChecksum: row.final_checksum,
    scores: JSON.parse(row.scores) as number[],
    winner: Number(row.winner),
    names: JSON.parse(row.names) as string[],
    checkpoints: JSON.parse(row.checkpoints) as [number, string][],
    lobby: row.lobby,
  };
}
