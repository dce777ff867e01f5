// `prepare-source`: creates or fixes what CDC needs on the source, as its admin login
// (probe/source-preparation.ts does the work; this reads the inputs and reports).
import * as fs from 'fs';
import { watchedTablesFromStreams } from '../core/decision';
import { HEARTBEAT_SCHEMA, HEARTBEAT_TABLE, TableName, prepareSource } from '../probe/source-preparation';
import { Settings } from '../settings';
import { AIRBYTE_VARIABLES, CommandContext, CommandReference, EXIT_BAD_CONFIGURATION, EXIT_FAILED, EXIT_OK, airbyteClientFor, loadCommandSettings, sharesServer } from './context';
import { SOURCE_VARIABLES, reportNotReady, withSourceAdmin } from './source-session';

// These exit codes are a contract: constructs/airbyte-host/prepare-source.js (cdc-prepare-source on
// the host) and scripts/stack.sh deploy act on them.
export const PREPARE_SOURCE: CommandReference = {
  summary: 'create or fix what CDC needs on the source (login, grants, heartbeat table, publication, slot); idempotent; JSON report on stdout',
  variables: [...SOURCE_VARIABLES, 'SOURCE_TABLES', 'AIRBYTE_DATABASE_USER', 'SOURCE_REPLICATION_PASSWORD', 'SOURCE_SEED_SQL_FILE', 'STATE_DATABASE_URL', 'STATE_SCHEMA', 'CURSOR_COLUMN', ...AIRBYTE_VARIABLES],
  exitCodes: [
    [EXIT_OK, 'the source is ready'],
    [EXIT_FAILED, 'a failure: the source or Airbyte unreachable, an SQL error (everything rolled back)'],
    [EXIT_BAD_CONFIGURATION, 'a person must act first (wal_level, missing tables, ownership, a lost slot: the statements to run are printed), or bad configuration'],
  ],
};

export interface PrepareSourceFlags {
  readonly recreateLostSlot?: boolean;
}

export async function prepareSourceCommand(context: CommandContext, flags: PrepareSourceFlags): Promise<number> {
  const loaded = loadCommandSettings('prepare-source', context);
  if (typeof loaded === 'number') return loaded;
  const { settings, logger } = loaded;
  const { stdout } = context;
  const notReady = (message: string, statements: readonly string[] = [], variable?: string) => reportNotReady('prepare-source', logger, stdout, message, statements, variable);
  const readFile = context.readFile ?? ((p: string) => fs.readFileSync(p, 'utf8'));

  const heartbeat = settings.source.heartbeatActionQuery;
  if (heartbeat !== undefined && heartbeat.trim() === '') {
    return notReady('the configuration document has an empty heartbeatActionQuery: with CDC, a quiet database then never advances the slot and WAL piles up; set airbyte.source.replication.heartbeatActionQuery (or leave it out for the default)', [], 'ORCHESTRATOR_CONFIG heartbeatActionQuery');
  }
  let seedSql: string | undefined;
  if (settings.source.seedSqlFile) {
    try {
      seedSql = readFile(settings.source.seedSqlFile);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return notReady(`cannot read SOURCE_SEED_SQL_FILE ${settings.source.seedSqlFile}${code ? ` (${code})` : ''}`, [], 'SOURCE_SEED_SQL_FILE');
    }
  }
  let tables: TableName[] = [];
  if (settings.source.tables) {
    tables = [...settings.source.tables];
  } else {
    const airbyte = airbyteClientFor(settings, logger);
    try {
      for (const connection of settings.connections) {
        // A stream without a namespace is an error naming the connection (never a silent "public").
        const watched =
          connection.tables ??
          watchedTablesFromStreams(connection.name ? `${connection.name} (${connection.connectionId})` : connection.connectionId, (await airbyte.getConnection(connection.connectionId)).streams, {
            cursorColumn: settings.cursorColumn,
            stateSchema: settings.stateSchema,
            heartbeat: { schema: HEARTBEAT_SCHEMA, table: HEARTBEAT_TABLE },
          }).tables;
        for (const table of watched) if (!tables.some((t) => t.schema === table.schema && t.table === table.table)) tables.push({ schema: table.schema, table: table.table });
      }
    } catch (error) {
      logger.error('cannot read the connections\' streams from Airbyte (the publication covers exactly them; set SOURCE_TABLES to prepare without Airbyte)', { error: (error as Error).message });
      return EXIT_FAILED;
    }
  }
  tables = tables.sort((a, b) => `${a.schema}.${a.table}`.localeCompare(`${b.schema}.${b.table}`));

  return withSourceAdmin('prepare-source', settings, logger, stdout, async (client, timeouts) => {
    const report = await prepareSource(client, {
      slot: settings.source.replicationSlot as string,
      publication: settings.source.publication as string,
      airbyteUser: settings.source.airbyteUser,
      tables,
      replicationPassword: settings.source.replicationPassword,
      seedSql,
      recreateLostSlot: flags.recreateLostSlot === true,
      stateSchema: stateSchemaHere(settings),
      ...timeouts,
    });
    logger.info('source prepared', { loginCreated: report.login.created, slot: report.slot, publication: report.publication, grants: report.grants, actedAs: report.actedAs });
    for (const table of report.tablesWithoutPrimaryKey) {
      logger.warn('table left out of the publication (full refresh only): no primary key; its owner can run the fix to include it', { ...table });
    }
    stdout(`${JSON.stringify(report)}\n`);
    return EXIT_OK;
  });
}

/** The state schema and its migrating login, when the state database is the database being prepared. */
function stateSchemaHere(settings: Settings): { schema: string; login: string } | undefined {
  const place = (url: string) => {
    const parsed = new URL(url);
    return { database: decodeURIComponent(parsed.pathname.replace(/^\//, '')), user: decodeURIComponent(parsed.username) };
  };
  const state = place(settings.stateDatabaseUrl);
  const admin = place(settings.source.adminDatabaseUrl);
  if (!state.user || !sharesServer(settings.stateDatabaseUrl, settings.source.adminDatabaseUrl) || state.database !== admin.database) return undefined;
  return { schema: settings.stateSchema, login: state.user };
}
