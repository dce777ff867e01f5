// After every cycle: record the slot observation, feed the metrics, and turn the cycle into alert
// transitions (announced through the webhook). Nothing here can fail the cycle.
import { ActiveAlert, evaluateAlerts, nextUnreachableStreak } from './alerts';
import { CycleSummary } from './cycle';
import { Logger } from './logger';
import { OrchestratorMetrics } from './metrics';
import { OperationsStore } from './operations-store';
import { WebhookSender } from './webhook';

export interface MonitorDependencies {
  readonly store: OperationsStore;
  readonly logger: Logger;
  readonly metrics?: OrchestratorMetrics;
  readonly webhook?: WebhookSender;
  readonly unreachableCycles: number;
  readonly slot?: { readonly name: string; readonly thresholdBytes: number };
}

export class Monitor {
  private unreachableStreak = 0;
  private active: Map<string, ActiveAlert> | undefined;
  lastCycleEndedAt: number | undefined;

  constructor(private readonly deps: MonitorDependencies) {}

  async afterCycle(summary: CycleSummary): Promise<void> {
    this.lastCycleEndedAt = Date.now();
    this.deps.metrics?.recordCycle(summary);
    try {
      if (this.deps.slot && summary.wal) {
        await this.deps.store.saveSlotState(summary.wal.observation, this.deps.slot.name, this.deps.slot.thresholdBytes, summary.wal.error);
      }
      this.active ??= await this.deps.store.activeAlerts();
      this.unreachableStreak = nextUnreachableStreak(this.unreachableStreak, summary);
      const evaluation = evaluateAlerts(summary, this.active, { unreachableCycles: this.deps.unreachableCycles, unreachableStreak: this.unreachableStreak, now: new Date() });
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
