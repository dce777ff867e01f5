// The heartbeat, defined once: the table prepare-source creates and publishes, and the
// heartbeat_action_query the Airbyte source runs (config/schema.ts takes its default from here).
// A quiet database produces no WAL for the watched tables, so the slot's confirmed position would
// never move and WAL would pile up; the heartbeat row written by Airbyte is a change in the
// publication that lets it advance.
//
// Its own schema, owned by the preparing login: the orchestrator's state schema belongs to the
// login that migrates it, and sharing one schema meant whichever ran second could not create in it.

/** Schema of the heartbeat table (not the orchestrator's state schema). */
export const HEARTBEAT_SCHEMA = 'airbyte_heartbeat';
export const HEARTBEAT_TABLE = 'heartbeat';

const qualified = `${HEARTBEAT_SCHEMA}.${HEARTBEAT_TABLE}`;

/** Idempotent DDL prepare-source runs (the schema is created separately, with its owner). */
export const HEARTBEAT_TABLE_DDL = `CREATE TABLE IF NOT EXISTS ${qualified} (id integer PRIMARY KEY, beat_at timestamptz NOT NULL DEFAULT now())`;

/** What the Airbyte login needs on the table to run HEARTBEAT_ACTION_QUERY (an upsert). */
export const HEARTBEAT_PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE'] as const;

/** The Airbyte Postgres source's `heartbeat_action_query`: one row, upserted. */
export const HEARTBEAT_ACTION_QUERY = `INSERT INTO ${qualified} (id, beat_at) VALUES (1, now()) ON CONFLICT (id) DO UPDATE SET beat_at = excluded.beat_at`;
