// `once`: one cycle over every connection in parallel, waiting for their jobs; a one-line JSON
// summary on stdout (scripts and cron read it).
import { CycleSummary } from '../core/cycle';
import { AIRBYTE_VARIABLES, CommandContext, CommandReference, EXIT_BAD_CONFIGURATION, EXIT_FAILED, EXIT_OK, SLOT_VARIABLES, STATE_VARIABLES, loadCommandSettings, withStateDatabase } from './context';
import { CYCLE_VARIABLES, setUpCycle } from './cycle-setup';

export const ONCE: CommandReference = {
  summary: 'run one cycle (observe, decide, trigger, wait, record) for every connection; prints a one-line JSON summary on stdout',
  variables: [...STATE_VARIABLES, ...AIRBYTE_VARIABLES, ...CYCLE_VARIABLES, ...SLOT_VARIABLES],
  exitCodes: [
    [EXIT_OK, 'every connection unchanged or synced (or stopped by SIGTERM/SIGINT)'],
    [EXIT_FAILED, 'a sync failed or was cancelled, a watched table is missing, Airbyte or a database unreachable (after retries), an SQL error, a connection inactive or waiting for a schema review, a 4xx from Airbyte'],
    [EXIT_BAD_CONFIGURATION, 'bad configuration (one message naming the variable)'],
  ],
};

export async function onceCommand(context: CommandContext): Promise<number> {
  const loaded = loadCommandSettings('once', context);
  if (typeof loaded === 'number') return loaded;
  const { settings, logger } = loaded;
  return withStateDatabase('once', settings, logger, async (stateClient, clients) => {
    const cycle = await setUpCycle('once', context, settings, logger, stateClient, clients);
    if (typeof cycle === 'number') return cycle;
    const summary = await cycle.runner.runCycle();
    await cycle.monitor.afterCycle(summary);
    context.stdout(`${cycleLine(summary)}\n`);
    return summary.ok || summary.interrupted ? EXIT_OK : EXIT_FAILED;
  });
}

export function cycleLine(summary: CycleSummary): string {
  return JSON.stringify({
    ok: summary.ok,
    durationMs: summary.durationMs,
    connections: summary.connections.map((c) => ({
      connectionId: c.connectionId,
      ...(c.name ? { name: c.name } : {}),
      outcome: c.outcome,
      changedTables: c.changedTables,
      schemaRefreshed: c.schemaRefreshed,
      jobs: c.jobs.map((job) => ({ jobId: job.jobId, origin: job.origin, status: job.status, ...(job.reason ? { reason: job.reason } : {}) })),
      errors: c.errors,
    })),
  });
}
