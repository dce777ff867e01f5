// What prepare-source and retire-source share: the admin session on the source and the way they
// report (a JSON report on stdout; exit 2 with the statements to run when a person must act).
import { Client } from 'pg';
import { Logger } from '../ops/logger';
import { SourceNotReadyError } from '../probe/source-preparation';
import { Settings } from '../settings';
import { EXIT_BAD_CONFIGURATION, EXIT_FAILED, SLOT_VARIABLES, connect } from './context';

export const SOURCE_VARIABLES: readonly string[] = ['SOURCE_ADMIN_DATABASE_URL', 'SOURCE_DATABASE_URL', ...SLOT_VARIABLES, 'SOURCE_LOCK_TIMEOUT_SECONDS', 'SOURCE_STATEMENT_TIMEOUT_SECONDS'];

export type SourceCommandName = 'prepare-source' | 'retire-source';

/** Exit 2 (a person must act): the log line and a JSON report on stdout carry the statements. */
export function reportNotReady(command: SourceCommandName, logger: Logger, stdout: (text: string) => void, message: string, statements: readonly string[] = [], variable?: string): number {
  logger.error(`${command}: ${message}`, { ...(variable ? { variable } : {}), ...(statements.length > 0 ? { statements: [...statements] } : {}) });
  stdout(`${JSON.stringify({ ok: false, error: message, statements })}\n`);
  return EXIT_BAD_CONFIGURATION;
}

/** Runs `body` on a session as SOURCE_ADMIN_DATABASE_URL (default SOURCE_DATABASE_URL). */
export async function withSourceAdmin(
  command: SourceCommandName,
  settings: Settings,
  logger: Logger,
  stdout: (text: string) => void,
  body: (client: Client, timeouts: { lockTimeoutMs: number; statementTimeoutMs: number }) => Promise<number>,
): Promise<number> {
  let client: Client;
  try {
    client = await connect(settings.source.adminDatabaseUrl, `airbyte-orchestrator-${command}`);
  } catch (error) {
    logger.error('cannot connect to the source database (SOURCE_ADMIN_DATABASE_URL, or SOURCE_DATABASE_URL by default)', { error: (error as Error).message });
    return EXIT_FAILED;
  }
  try {
    return await body(client, { lockTimeoutMs: settings.source.lockTimeoutMs, statementTimeoutMs: settings.source.statementTimeoutMs });
  } catch (error) {
    if (error instanceof SourceNotReadyError) return reportNotReady(command, logger, stdout, error.message, error.statements);
    logger.error(`${command} failed`, { error: (error as Error).message });
    return EXIT_FAILED;
  } finally {
    await client.end().catch(() => undefined);
  }
}
