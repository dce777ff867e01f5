// `retire-source`: drops the replication slot and the publication (scripts/stack.sh destroy runs
// it before a shared source loses an environment, so the orphaned slot does not keep WAL).
import { retireSource } from '../probe/source-preparation';
import { CommandContext, CommandReference, EXIT_BAD_CONFIGURATION, EXIT_FAILED, EXIT_OK, loadCommandSettings } from './context';
import { SOURCE_VARIABLES, withSourceAdmin } from './source-session';

export const RETIRE_SOURCE: CommandReference = {
  summary: 'drop the replication slot and the publication (idempotent); needs --confirm; JSON report on stdout',
  variables: SOURCE_VARIABLES,
  exitCodes: [
    [EXIT_OK, 'dropped (or there was nothing to drop)'],
    [EXIT_FAILED, 'a failure: the source unreachable, an SQL error'],
    [EXIT_BAD_CONFIGURATION, 'without --confirm (nothing dropped), the slot is in use (nothing dropped), or bad configuration'],
  ],
};

export interface RetireSourceFlags {
  readonly confirm?: boolean;
}

export async function retireSourceCommand(context: CommandContext, flags: RetireSourceFlags): Promise<number> {
  const loaded = loadCommandSettings('retire-source', context);
  if (typeof loaded === 'number') return loaded;
  const { settings, logger } = loaded;
  const slot = settings.source.replicationSlot as string;
  const publication = settings.source.publication as string;
  if (!flags.confirm) {
    logger.error(
      `retire-source drops replication slot "${slot}" and publication "${publication}": Airbyte can no longer read changes from this source and a later sync needs a connection reset. Rerun with --confirm to do it`,
      { slot, publication },
    );
    return EXIT_BAD_CONFIGURATION;
  }
  return withSourceAdmin('retire-source', settings, logger, context.stdout, async (client, timeouts) => {
    const report = await retireSource(client, { slot, publication, ...timeouts });
    logger.info('source retired', { slotDropped: report.slot.dropped, publicationDropped: report.publication.dropped });
    context.stdout(`${JSON.stringify(report)}\n`);
    return EXIT_OK;
  });
}
