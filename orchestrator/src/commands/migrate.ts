// `migrate`: creates or upgrades the state schema (idempotent; `once` and `run` also migrate after
// taking the lock, so this is for deploys that want the schema before the daemon starts).
import { StateStore } from '../state/state-store';
import { AIRBYTE_VARIABLES, CommandContext, CommandReference, EXIT_BAD_CONFIGURATION, EXIT_FAILED, EXIT_OK, STATE_VARIABLES, loadCommandSettings, withStateDatabase } from './context';

export const MIGRATE: CommandReference = {
  summary: 'create or upgrade the state schema (idempotent); prints {"ok":true,"schema":…,"applied":[…]} on stdout',
  variables: [...STATE_VARIABLES, ...AIRBYTE_VARIABLES],
  exitCodes: [
    [EXIT_OK, 'the state schema is up to date'],
    [EXIT_FAILED, 'the state database is unreachable, or an SQL error'],
    [EXIT_BAD_CONFIGURATION, 'bad configuration (one message naming the variable)'],
  ],
};

export async function migrateCommand(context: CommandContext): Promise<number> {
  const loaded = loadCommandSettings('migrate', context);
  if (typeof loaded === 'number') return loaded;
  const { settings, logger } = loaded;
  return withStateDatabase('migrate', settings, logger, async (client) => {
    const applied = await new StateStore(client, settings.stateSchema).migrate();
    logger.info('state schema up to date', { schema: settings.stateSchema, applied });
    context.stdout(`${JSON.stringify({ ok: true, schema: settings.stateSchema, applied })}\n`);
    return EXIT_OK;
  });
}
