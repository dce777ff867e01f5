// After every cycle: record the slot observation, feed the metrics, and turn the cycle into alert
// transitions (announced through the webhook). Nothing here can fail the cycle.
import { ActiveAlert, FreshnessObservation, evaluateAlerts, nextUnreachableStreak } from './alerts';
import { CycleSummary } from '../core/cycle';
import { Logger } from './logger';
import { OrchestratorMetrics } from './metrics';
import { OperationsStore } from '../state/operations-store';
import { WebhookSender } from './webhook';

export interface MonitorDependencies {
  readonly store: OperationsStore;
  readonly logger: Logger;
  readonly metrics?: OrchestratorMetrics;
  readonly webhook?: WebhookSender;
  readonly unreachableCycles: number;
  readonly slot?: { readonly name: string; readonly thresholdBytes: number };
  /** Connections with their freshness objective (the alert when a table stays staler). */
  readonly connections?: ReadonlyArray<{ readonly connectionId: string; readonly name?: string; readonly freshnessTargetMs: number }>;
}

export class Monitor {
  private unreachableStreak = 0;
  private active: Map<string, ActiveAlert> | undefined;
  lastCycleEndedAt: number | undefined;

  constructor(private readonly deps: MonitorDependencies) {}

  /** Every tick, not only when a connection's work ends: a table waiting behind a long job grows staler meanwhile. */
  private async freshness(): Promise<FreshnessObservation[] | undefined> {
    const connections = this.deps.connections;
    if (!connections || connections.length === 0) return undefined;
    const unsynced = await this.deps.store.unsyncedTables();
    return connections.map((connection) => ({
      connectionId: connection.connectionId,
      ...(connection.name ? { name: connection.name } : {}),
      targetSeconds: connection.freshnessTargetMs / 1000,
      staleTables: unsynced
        .filter((row) => row.connectionId === connection.connectionId)
        .map((row) => ({ table: `${row.schema}.${row.table}`, seconds: Math.max(0, (row.now.getTime() - row.unsyncedSince.getTime()) / 1000) })),
    }));
  }

  async afterCycle(summary: CycleSummary): Promise<void> {
    this.lastCycleEndedAt = Date.now();
    this.deps.metrics?.recordCycle(summary);
    try {
      if (this.deps.slot && summary.wal) {
        await this.deps.store.saveSlotState(summary.wal.observation, this.deps.slot.name, this.deps.slot.thresholdBytes, summary.wal.error);
      }
      this.active ??= await this.deps.store.activeAlerts();
      this.unreachableStreak = nextUnreachableStreak(this.unreachableStreak, summary);
      const freshness = await this.freshness();
      const evaluation = evaluateAlerts(summary, this.active, { unreachableCycles: this.deps.unreachableCycles, unreachableStreak: this.unreachableStreak, now: new Date(), freshness });
      if (evaluation.notifications.length > 0) {
        // Persist first: a restart must not announce the same transition again.
        await this.deps.store.saveAlerts(evaluation.active);
      }
      this.active = new Map(evaluation.active);
      for (const notification of evaluation.notifications) {
        const log = notification.phase === 'started' ? this.deps.logger.warn : this.deps.logger.info;
        log(`alert ${notification.phase}: ${notification.kind}`, { alert: notification.key, text: notification.text });
        if (this.deps.webhook) await this.deps.webhook.send(notification.text);
      }
    } catch (error) {
      this.active = undefined;
      this.deps.logger.error('recording the cycle for monitoring failed; alerts are evaluated again next cycle', { error: (error as Error).message });
    }
  }
}
