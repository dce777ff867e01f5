// `status`: what the state database says, for a person (a table per watched table) or a script
// (`--json`: the status page's model, plus those rows as `tables`).
import { StatusRow, StateStore } from '../state/state-store';
import { OperationsStore } from '../state/operations-store';
import { AIRBYTE_VARIABLES, CommandContext, CommandReference, EXIT_BAD_CONFIGURATION, EXIT_FAILED, EXIT_OK, STATE_VARIABLES, loadCommandSettings, loadModel, withStateDatabase } from './context';

export const STATUS: CommandReference = {
  summary: 'print each watched table\'s watermark, column hash, last job and lag (--json: the status page\'s model, with those rows as "tables")',
  variables: [...STATE_VARIABLES, ...AIRBYTE_VARIABLES],
  exitCodes: [
    [EXIT_OK, 'printed'],
    [EXIT_FAILED, 'the state database is unreachable or not migrated yet (run migrate)'],
    [EXIT_BAD_CONFIGURATION, 'bad configuration (one message naming the variable)'],
  ],
};

export interface StatusFlags {
  readonly json?: boolean;
}

export async function statusCommand(context: CommandContext, flags: StatusFlags): Promise<number> {
  const loaded = loadCommandSettings('status', context);
  if (typeof loaded === 'number') return loaded;
  const { settings, logger } = loaded;
  return withStateDatabase('status', settings, logger, async (client) => {
    const store = new StateStore(client, settings.stateSchema);
    await store.assertMigrated();
    const rows = await store.status();
    // The page's model, plus the flat per-table rows (watermark, column hash) scripts used before.
    const model = await loadModel(new OperationsStore(client, settings.stateSchema), settings);
    context.stdout(flags.json ? `${JSON.stringify({ ...model, tables: rows })}\n` : renderStatus(rows));
    return EXIT_OK;
  });
}

export function renderStatus(rows: readonly StatusRow[]): string {
  if (rows.length === 0) return 'no state recorded yet (run `once` or `run` first)\n';
  const header = ['connection', 'table', 'watermark', 'column hash', 'last synced', 'lag (s)', 'last job', 'error'];
  const lines = rows.map((row) => [
    row.connectionId,
    `${row.schema}.${row.table}`,
    row.cursorWatermark ?? '-',
    row.columnHash ? row.columnHash.slice(0, 12) : '-',
    row.lastSyncedAt ?? 'never',
    row.lagSeconds === null ? '-' : String(row.lagSeconds),
    row.lastJob ? `${row.lastJob.jobId} ${row.lastJob.status ?? 'running'} (${row.lastJob.origin})` : '-',
    row.lastError ?? '',
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => line[column].length)));
  return [header, ...lines].map((line) => line.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd()).join('\n') + '\n';
}
