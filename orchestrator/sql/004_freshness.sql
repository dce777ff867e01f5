-- 004: freshness. One row per table per change that a successful sync carried: from the first
-- sighting of the unsynced change (sync_state.unsynced_since) to the end of that sync. The status
-- page's share of the last 24 h within the objective and its staleness chart are drawn from here;
-- rows older than two days are pruned as new ones arrive.
CREATE TABLE staleness_history (
  connection_id  text        NOT NULL,
  schema_name    text        NOT NULL,
  table_name     text        NOT NULL,
  unsynced_since timestamptz NOT NULL,
  synced_at      timestamptz NOT NULL,
  job_id         bigint
);
CREATE INDEX staleness_history_connection_synced_idx ON staleness_history (connection_id, synced_at);
