-- 001: state of the orchestrator. Runs with search_path set to the state schema
-- (default airbyte_orchestrator), so the same file serves any schema name.

-- One row per watched table of a connection: what the last successful sync covered, and what the
-- job in flight will cover if it succeeds (pending_*; written before waiting on the job, so a
-- restarted orchestrator can adopt the job and record exactly what it covered).
CREATE TABLE sync_state (
  connection_id              text        NOT NULL,
  schema_name                text        NOT NULL,
  table_name                 text        NOT NULL,
  last_synced_at             timestamptz,
  cursor_watermark           text,
  modification_count         bigint,
  storage_id                 bigint,
  column_hash                text,
  pending_job_id             bigint,
  pending_cursor_watermark   text,
  pending_modification_count bigint,
  pending_storage_id         bigint,
  pending_column_hash        text,
  last_error                 text,
  last_error_at              timestamptz,
  updated_at                 timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (connection_id, schema_name, table_name)
);

-- The job a connection is waiting on, if any. At most one per connection, like Airbyte itself.
CREATE TABLE connection_state (
  connection_id    text PRIMARY KEY,
  in_flight_job_id bigint,
  in_flight_origin text CHECK (in_flight_origin IN ('triggered', 'attached')),
  in_flight_since  timestamptz,
  updated_at       timestamptz NOT NULL DEFAULT now()
);

-- Every job the orchestrator triggered or attached to.
CREATE TABLE job_history (
  job_id           bigint      PRIMARY KEY,
  connection_id    text        NOT NULL,
  origin           text        NOT NULL CHECK (origin IN ('triggered', 'attached')),
  reason           text        NOT NULL,
  schema_refreshed boolean     NOT NULL DEFAULT false,
  requested_at     timestamptz NOT NULL DEFAULT now(),
  ended_at         timestamptz,
  status           text,
  rows_synced      bigint,
  bytes_synced     bigint,
  error            text
);
CREATE INDEX job_history_connection_requested_idx ON job_history (connection_id, requested_at DESC);
