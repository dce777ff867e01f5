// Prometheus metrics (prom-client, its own registry). Counters and histograms are fed from each
// cycle's summary; gauges that describe the present (staleness, tables, slot lag) are set from the
// status model right before a scrape.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { ALERT_KINDS } from './alerts';
import { CycleSummary } from '../core/cycle';
import { StatusModel } from './status-model';

export class OrchestratorMetrics {
  readonly registry = new Registry();
  private readonly cycleDuration: Histogram<string>;
  private readonly cycles: Counter<string>;
  private readonly tablesWatched: Gauge<string>;
  private readonly changesDetected: Counter<string>;
  private readonly jobsTriggered: Counter<string>;
  private readonly jobOutcomes: Counter<string>;
  private readonly jobDuration: Histogram<string>;
  private readonly staleness: Gauge<string>;
  private readonly slotLag: Gauge<string>;
  private readonly slotHealthy: Gauge<string>;
  private readonly alertsActive: Gauge<string>;
  private readonly lastCycleEnd: Gauge<string>;
  private readonly changeToSynced: Histogram<string>;
  private readonly worstStaleness: Gauge<string>;
  private readonly freshnessTarget: Gauge<string>;
  private readonly withinTarget: Gauge<string>;

  constructor() {
    const registers = [this.registry];
    this.cycleDuration = new Histogram({ name: 'orchestrator_cycle_duration_seconds', help: 'Duration of one orchestration cycle (including waiting on jobs)', buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600], registers });
    this.cycles = new Counter({ name: 'orchestrator_cycles_total', help: 'Cycles run, by result', labelNames: ['result'], registers });
    this.tablesWatched = new Gauge({ name: 'orchestrator_tables_watched', help: 'Tables watched per connection', labelNames: ['connection'], registers });
    this.changesDetected = new Counter({ name: 'orchestrator_changes_detected_total', help: 'Tables seen changed (one per table per cycle)', labelNames: ['connection'], registers });
    this.jobsTriggered = new Counter({ name: 'orchestrator_jobs_triggered_total', help: 'Sync jobs triggered, by reason (initial, new_rows, schema_change, wal_lag, retry)', labelNames: ['connection', 'reason'], registers });
    this.jobOutcomes = new Counter({ name: 'orchestrator_job_outcomes_total', help: 'Jobs that ended, by status', labelNames: ['connection', 'status'], registers });
    this.jobDuration = new Histogram({ name: 'orchestrator_job_duration_seconds', help: 'Time from trigger (or attach/adopt) to the end of a job', labelNames: ['connection', 'status'], buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200], registers });
    this.staleness = new Gauge({ name: 'orchestrator_table_staleness_seconds', help: 'Seconds since the oldest change not yet synced was seen (0 = in sync)', labelNames: ['connection', 'schema', 'table'], registers });
    this.slotLag = new Gauge({ name: 'orchestrator_replication_slot_lag_bytes', help: 'pg_current_wal_lsn() - confirmed_flush_lsn of the replication slot', labelNames: ['slot'], registers });
    this.slotHealthy = new Gauge({ name: 'orchestrator_replication_slot_ok', help: '1 when the slot exists and its wal_status is neither lost nor unreserved', labelNames: ['slot'], registers });
    this.alertsActive = new Gauge({ name: 'orchestrator_alerts_active', help: 'Active alert conditions', labelNames: ['kind'], registers });
    this.changeToSynced = new Histogram({
      name: 'orchestrator_change_to_synced_seconds',
      help: 'Per table and change carried by a successful sync: first sighting of the change to the end of that sync',
      labelNames: ['connection'],
      buckets: [5, 15, 30, 45, 60, 90, 120, 180, 300, 600, 900, 1800, 3600, 7200, 14400],
      registers,
    });
    this.worstStaleness = new Gauge({ name: 'orchestrator_worst_staleness_seconds', help: 'Worst current staleness of the connection (its oldest change not yet synced; 0 = in sync)', labelNames: ['connection'], registers });
    this.freshnessTarget = new Gauge({ name: 'orchestrator_freshness_target_seconds', help: 'Freshness objective of the connection (FRESHNESS_TARGET_SECONDS)', labelNames: ['connection'], registers });
    this.withinTarget = new Gauge({ name: 'orchestrator_freshness_within_target_ratio', help: 'Share of the last 24 h (or since the first job) with every table within the freshness target', labelNames: ['connection'], registers });
    this.lastCycleEnd = new Gauge({ name: 'orchestrator_last_cycle_end_timestamp_seconds', help: 'Unix time the last cycle finished', registers });
  }

  recordCycle(summary: CycleSummary): void {
    this.cycleDuration.observe(summary.durationMs / 1000);
    this.cycles.inc({ result: summary.ok ? 'ok' : summary.airbyteUnavailable ? 'airbyte_unavailable' : 'failed' });
    this.lastCycleEnd.set(Date.now() / 1000);
    for (const connection of summary.connections) {
      const labels = { connection: connection.name ?? connection.connectionId };
      this.tablesWatched.set(labels, connection.tablesWatched);
      this.changesDetected.inc(labels, connection.changedTables.length);
      for (const change of connection.syncedChanges) this.changeToSynced.observe(labels, change.seconds);
      for (const job of connection.jobs) {
        if (job.reason) this.jobsTriggered.inc({ ...labels, reason: job.reason });
        this.jobOutcomes.inc({ ...labels, status: job.status });
        if (job.durationMs !== undefined) this.jobDuration.observe({ ...labels, status: job.status }, job.durationMs / 1000);
      }
    }
    const observation = summary.wal?.observation;
    if (observation) {
      this.slotLag.set({ slot: observation.slotName }, observation.lagBytes ?? 0);
      this.slotHealthy.set({ slot: observation.slotName }, summary.wal?.assessment && !summary.wal.assessment.slotMissing && !summary.wal.assessment.slotLost ? 1 : 0);
    }
  }

  /** Present-tense gauges from the status model (called per scrape). */
  applyModel(model: StatusModel): void {
    this.staleness.reset();
    for (const connection of model.connections) {
      const labels = { connection: connection.name ?? connection.connectionId };
      this.worstStaleness.set(labels, connection.freshness.worstStalenessSeconds);
      this.freshnessTarget.set(labels, connection.freshness.targetSeconds);
      if (connection.freshness.shareWithinTarget24h !== null) this.withinTarget.set(labels, connection.freshness.shareWithinTarget24h);
      for (const table of connection.tables) {
        this.staleness.set({ connection: connection.name ?? connection.connectionId, schema: table.schema, table: table.table }, table.stalenessSeconds);
      }
    }
    for (const slot of model.slots) if (slot.lagBytes !== null) this.slotLag.set({ slot: slot.slotName }, slot.lagBytes);
    this.alertsActive.reset();
    for (const kind of ALERT_KINDS) {
      this.alertsActive.set({ kind }, model.activeAlerts.filter((alert) => alert.kind === kind).length);
    }
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
