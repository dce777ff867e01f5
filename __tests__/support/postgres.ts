// Throwaway PostgreSQL clusters for tests and benchmarks: a real server (Debian's postgresql-15
// binaries) in a temp dir, owned by this process, stopped on afterAll and on process exit.
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { Client } from 'pg';

export interface PostgresClusterOptions {
  /** Extra `-c name=value` server settings, e.g. `{ wal_level: 'replica' }`. */
  readonly serverOptions?: Readonly<Record<string, string | number>>;
  /**
   * pg_hba.conf lines placed before initdb's `trust` lines (first match wins), e.g.
   * `host all app_login 127.0.0.1/32 scram-sha-256` to check a login's password for real.
   */
  readonly hbaLines?: readonly string[];
}

export interface PostgresCluster {
  readonly host: string;
  readonly port: number;
  readonly socketDir: string;
  readonly dataDir: string;
  /** URL for the superuser `postgres` on the given database (TCP, no password: trust auth). */
  url(database?: string): string;
  /** Creates a fresh, empty database and returns its URL. */
  createDatabase(prefix?: string): Promise<string>;
  stop(): void;
}

const DEFAULT_SERVER_OPTIONS: Record<string, string | number> = {
  wal_level: 'logical',
  fsync: 'off',
  synchronous_commit: 'off',
  full_page_writes: 'off',
  max_connections: 100,
  max_replication_slots: 4,
  max_wal_senders: 4,
  shared_buffers: '64MB',
  max_locks_per_transaction: 256,
};

function findBinDir(): string {
  const candidates: string[] = [];
  if (process.env.PG_BINDIR) candidates.push(process.env.PG_BINDIR);
  candidates.push('/usr/lib/postgresql/15/bin');
  try {
    candidates.push(execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  } catch {
    // pg_config is optional; the Debian path above is the usual place.
  }
  for (const dir of candidates) {
    if (dir && fs.existsSync(path.join(dir, 'initdb')) && fs.existsSync(path.join(dir, 'pg_ctl'))) return dir;
  }
  throw new Error(
    'PostgreSQL 15 server binaries (initdb, pg_ctl) were not found in ' +
      candidates.filter(Boolean).join(', ') +
      '. Install them with `apt-get install postgresql-15` (or set PG_BINDIR to their folder).',
  );
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Runs a server binary; as root through `runuser -u postgres` because initdb/postgres refuse root. */
function runAsOwner(bin: string, args: string[]): void {
  const [file, argv] = isRoot() ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  const result = spawnSync(file, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.status !== 0) {
    throw new Error(`${path.basename(bin)} failed (exit ${result.status}): ${result.stderr || result.stdout || result.error?.message}`);
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address() as net.AddressInfo;
      server.close(() => resolve(address.port));
    });
  });
}

const liveClusters = new Set<PostgresCluster>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort when afterAll never runs (crash, Ctrl-C): never leave a server behind.
  process.on('exit', () => {
    for (const cluster of [...liveClusters]) cluster.stop();
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      for (const cluster of [...liveClusters]) cluster.stop();
      process.kill(process.pid, signal);
    });
  }
}

export async function startPostgresCluster(options: PostgresClusterOptions = {}): Promise<PostgresCluster> {
  const binDir = findBinDir();
  const baseDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgtest-'));
  const dataDir = path.join(baseDir, 'data');
  const socketDir = baseDir;
  fs.mkdirSync(dataDir, { mode: 0o700 });
  if (isRoot()) {
    execFileSync('chown', ['-R', 'postgres:postgres', baseDir]);
  }
  runAsOwner(path.join(binDir, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);

  if (options.hbaLines && options.hbaLines.length > 0) {
    const hba = path.join(dataDir, 'pg_hba.conf');
    fs.writeFileSync(hba, `${options.hbaLines.join('\n')}\n${fs.readFileSync(hba, 'utf8')}`);
  }

  const port = await freePort();
  const settings: Record<string, string | number> = {
    ...DEFAULT_SERVER_OPTIONS,
    ...(options.serverOptions ?? {}),
    port,
    listen_addresses: '127.0.0.1',
    unix_socket_directories: socketDir,
  };
  const serverArgs = Object.entries(settings)
    .map(([name, value]) => `-c ${name}=${String(value)}`)
    .join(' ');
  const logFile = path.join(baseDir, 'server.log');
  try {
    runAsOwner(path.join(binDir, 'pg_ctl'), ['-D', dataDir, '-l', logFile, '-w', '-t', '60', '-o', serverArgs, 'start']);
  } catch (error) {
    const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').slice(-2000) : '';
    fs.rmSync(baseDir, { recursive: true, force: true });
    throw new Error(`${(error as Error).message}\nserver log:\n${log}`);
  }

  let stopped = false;
  let databaseCounter = 0;
  const cluster: PostgresCluster = {
    host: '127.0.0.1',
    port,
    socketDir,
    dataDir,
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    async createDatabase(prefix = 'test') {
      databaseCounter += 1;
      const name = `${prefix.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${process.pid}_${databaseCounter}`;
      const admin = new Client({ connectionString: cluster.url() });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE "${name}"`);
      } finally {
        await admin.end();
      }
      return cluster.url(name);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      liveClusters.delete(cluster);
      try {
        runAsOwner(path.join(binDir, 'pg_ctl'), ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // Already gone; removing the directory below is all that is left to do.
      }
      fs.rmSync(baseDir, { recursive: true, force: true });
    },
  };
  liveClusters.add(cluster);
  installExitHook();
  return cluster;
}

/**
 * Jest helper: one cluster per test file, started in beforeAll and always stopped in afterAll.
 * Read `.current` inside tests.
 */
export function usePostgresCluster(options: PostgresClusterOptions = {}): { readonly current: PostgresCluster } {
  const holder: { current?: PostgresCluster } = {};
  beforeAll(async () => {
    holder.current = await startPostgresCluster(options);
  }, 120_000);
  afterAll(() => {
    holder.current?.stop();
  });
  return {
    get current(): PostgresCluster {
      if (!holder.current) throw new Error('the PostgreSQL cluster is not running (beforeAll failed or has not run)');
      return holder.current;
    },
  };
}
