// The daemon's schedule: every poll interval a tick checks the WAL guard and starts the work of
// each connection that is idle; a connection whose job runs (or is waited for, adopted, cancelled,
// or held back by the cost cap) keeps running on its own and never delays the others. Each tick's
// summary carries the connections whose work ended since the previous tick, so metrics, alerts
// and the health endpoint keep moving while long jobs run.
import { sleep } from './backoff';
import { ConnectionResult, CycleRunner, CycleSummary } from './cycle';
import { rerunAfterWork } from './decision';
import { ConnectionSettings } from '../settings';

export interface SchedulerDependencies {
  readonly runner: Pick<CycleRunner, 'checkWal' | 'runConnection' | 'checkPublication'>;
  readonly connections: readonly ConnectionSettings[];
  readonly signal?: AbortSignal;
  /** How long a tick waits for work that ends quickly (nothing to sync), to report it in the same tick. @default 50 */
  readonly graceMs?: number;
}

export class Scheduler {
  /** The work in progress per connection: at most one, so at most one job per connection. */
  private readonly busy = new Map<string, Promise<void>>();
  private finished: ConnectionResult[] = [];

  constructor(private readonly deps: SchedulerDependencies) {}

  /** Connections whose work is still running. */
  get busyConnections(): string[] {
    return [...this.busy.keys()];
  }

  /**
   * One tick: WAL guard, then start every idle connection. Returns at once (it does not wait for
   * jobs); the summary holds the connections that finished since the previous tick.
   */
  async tick(): Promise<CycleSummary> {
    const started = Date.now();
    const wal = await this.deps.runner.checkWal();
    if (!this.deps.signal?.aborted) {
      for (const connection of this.deps.connections) this.start(connection, wal?.assessment?.syncForLag ? wal : undefined);
    }
    // Work with nothing to sync ends within milliseconds: give it a moment so this tick reports
    // it, instead of the next one.
    await Promise.race([Promise.all(this.busy.values()), sleep(this.deps.graceMs ?? 50, this.deps.signal)]);
    // The watched tables as last resolved must still be in the publication (WAL guard, like `once`).
    const publication = wal?.observation ? await this.deps.runner.checkPublication() : undefined;
    return this.summary(started, wal && publication ? { ...wal, publication } : wal);
  }

  /** Waits for every connection's work (after an abort, that is quick: waits are interrupted). */
  async drain(): Promise<CycleSummary> {
    const started = Date.now();
    await Promise.all(this.busy.values());
    return this.summary(started, undefined);
  }

  private start(connection: ConnectionSettings, walLag: Awaited<ReturnType<CycleRunner['checkWal']>>): void {
    const id = connection.connectionId;
    if (this.busy.has(id)) return;
    const work = this.deps.runner
      .runConnection(connection, walLag)
      .then((result) => {
        this.finished.push(result);
        return result;
      })
      .finally(() => this.busy.delete(id));
    this.busy.set(
      id,
      work.then((result) => {
        // Its work ended with a sync: whatever arrived during that sync (beyond the one follow-up)
        // is looked at right away, not a poll interval later (decision.ts rerunAfterWork).
        if (rerunAfterWork({ jobs: result.jobs.length, outcome: result.outcome, stopping: Boolean(this.deps.signal?.aborted) })) this.start(connection, undefined);
      }),
    );
  }

  private summary(started: number, wal: Awaited<ReturnType<CycleRunner['checkWal']>>): CycleSummary {
    const results = this.finished;
    this.finished = [];
    const interrupted = Boolean(this.deps.signal?.aborted);
    return {
      ok: results.every((result) => result.outcome === 'unchanged' || result.outcome === 'synced') && !interrupted,
      airbyteUnavailable: results.some((result) => result.errors.some((error) => error.startsWith('airbyte unavailable'))),
      interrupted,
      durationMs: Date.now() - started,
      connections: results,
      ...(wal ? { wal } : {}),
    };
  }
}
