-- 002: what operators watch: when changes were seen, why jobs were triggered, the replication
-- slot's last observation, and which alerts are active (so a restart does not alert again).

-- last_change_seen_at: the latest cycle that saw an unsynced change in the table.
-- unsynced_since: the first cycle that saw a change not yet synced (NULL when in sync); the
-- staleness metric and the status page are now() - unsynced_since.
ALTER TABLE sync_state
  ADD COLUMN last_change_seen_at timestamptz,
  ADD COLUMN unsynced_since      timestamptz;

-- Why a job was triggered: initial, new_rows, schema_change, wal_lag, retry (attached: NULL).
ALTER TABLE job_history ADD COLUMN trigger_reason text;

-- Airbyte workspace of the connection (for links to its job history in the UI).
ALTER TABLE connection_state ADD COLUMN workspace_id text;

-- The replication slot as the WAL guard saw it last (one row per slot).
CREATE TABLE wal_guard_state (
  slot_name       text        PRIMARY KEY,
  observed_at     timestamptz NOT NULL,
  slot_exists     boolean     NOT NULL,
  active          boolean,
  wal_status      text,
  lag_bytes       bigint,
  retained_bytes  bigint,
  threshold_bytes bigint      NOT NULL,
  error           text
);

-- One row per alert condition ever raised; active = notified as started and not yet cleared.
CREATE TABLE alert_state (
  alert_key  text        PRIMARY KEY,
  kind       text        NOT NULL,
  active     boolean     NOT NULL,
  message    text        NOT NULL,
  started_at timestamptz NOT NULL,
  cleared_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now()
);
