-- 003: the orchestrator against Airbyte as it really behaves.

-- Airbyte's job ids restart from the beginning when Airbyte is reinstalled without its database,
-- so a job id alone no longer names one job: each row gets its own key and the job id becomes an
-- ordinary column. A job is found by (connection_id, job_id) among the rows not yet ended.
ALTER TABLE job_history DROP CONSTRAINT job_history_pkey;
ALTER TABLE job_history ADD COLUMN history_id bigserial PRIMARY KEY;
CREATE INDEX job_history_open_idx ON job_history (connection_id, job_id) WHERE ended_at IS NULL;
-- For jobs forced by the WAL guard: the source's WAL position when the job was triggered. The
-- slot's confirmed position moves only when the next sync starts, so until then the guard measures
-- the WAL written after this point instead of the slot's (stale) lag.
ALTER TABLE job_history ADD COLUMN wal_lsn_at_trigger text;

-- What Airbyte says about the connection: its nonBreakingSchemaUpdatesBehavior (flagged when
-- column changes cannot reach the destination on their own), and a schema change waiting for a
-- person in Airbyte's UI (kind: 'inactive' = breaking change or disabled connection, no syncs;
-- 'not_applied' = the change was not propagated, syncs go on without it).
ALTER TABLE connection_state
  ADD COLUMN schema_updates_behavior text,
  ADD COLUMN schema_review_kind      text CHECK (schema_review_kind IN ('inactive', 'not_applied')),
  ADD COLUMN schema_review_reason    text,
  ADD COLUMN schema_review_since     timestamptz;
