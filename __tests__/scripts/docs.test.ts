// Generated documentation (scripts/docs.ts): every generated file or block matches what the code
// renders now, so README's configuration reference and the orchestrator's settings table cannot
// go stale. Rendered in memory; nothing is written.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { CDC_PARAMETER_DEFAULTS } from '../../constructs/cdc-database';
import { ORCHESTRATOR_VARIABLES } from '../../orchestrator/src/settings';
import { GENERATORS, configurationReference, envExample, orchestratorSettingsTable, replaceBlock } from '../../scripts/docs';

const root = path.join(__dirname, '..', '..');
const read = (file: string) => (fs.existsSync(path.join(root, file)) ? fs.readFileSync(path.join(root, file), 'utf8') : undefined);
const rowOf = (table: string, first: string) => table.split('\n').find((line) => line.startsWith(`| \`${first}\` |`));

describe('generated documentation is current', () => {
  test.each(GENERATORS.map((g) => [g.file, g.name, g] as const))('%s (%s)', (file, name, generator) => {
    const current = read(file);
    const rendered = generator.render(current);
    if (rendered !== current) {
      throw new Error(`${file}: the generated block "${name}" is stale (the code it documents changed); run \`npm run docs\` and commit the result`);
    }
  });

  test('npm run docs --check agrees (the runner bundles the generators with esbuild and runs them)', () => {
    const result = spawnSync(process.execPath, [path.join(root, 'scripts', 'run-docs.js'), '--check'], { cwd: root, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('docs: up to date');
    expect(result.status).toBe(0);
  });
});

describe('what the generators render', () => {
  test('a stale block is found and replaced, the text around it kept', () => {
    const current = read('README.md') as string;
    const stale = current.replace(/^\| `database\.cdc\.maxSlotWalKeepSizeMb` .*\n/m, '');
    expect(stale).not.toBe(current);
    const generator = GENERATORS.find((g) => g.file === 'README.md')!;
    expect(generator.render(stale)).toBe(current);
  });

  test('missing markers are an error that shows the markers to add', () => {
    expect(() => replaceBlock('# no markers\n', 'configuration-reference', 'README.md', 'x')).toThrow(
      /README\.md: the generated block "configuration-reference" needs its markers[\s\S]*<!-- BEGIN GENERATED configuration-reference/,
    );
  });

  test('configuration reference: defaults come from the schema, which takes them from the constructs', () => {
    const table = configurationReference();
    expect(rowOf(table, 'database.cdc.maxSlotWalKeepSizeMb')).toContain(`| \`${CDC_PARAMETER_DEFAULTS.maxSlotWalKeepSizeMb}\` |`);
    expect(rowOf(table, 'airbyte.source.replication.replicationSlot')).toContain('`airbyte_<env>_slot`');
    expect(rowOf(table, 'network.vpcCidr')).toContain('(mode "create")');
    expect(rowOf(table, 'gcp.projectId')).toContain('| required |');
    // Every field is described.
    const rows = table.split('\n').slice(2);
    expect(rows.length).toBeGreaterThan(100);
    for (const row of rows) expect(row.split(' | ')[3].replace(/\(.*?\) /, '').trim()).not.toMatch(/^\|?$/);
  });

  test('orchestrator settings: one row per variable the settings read, each described', () => {
    const table = orchestratorSettingsTable();
    for (const name of Object.keys(ORCHESTRATOR_VARIABLES.shape)) {
      const row = rowOf(table, name);
      expect(row).toBeDefined();
      expect(row!.split(' | ')[3].length).toBeGreaterThan(5);
    }
    expect(rowOf(table, 'JOB_TIMEOUT_SECONDS')).toContain('| `32400` |');
    expect(rowOf(table, 'SOURCE_DATABASE_URL')).toContain('| required |');
  });

  test('.env.example: every variable once, the required ones set, the others commented with their default', () => {
    const lines = envExample().split('\n');
    for (const name of Object.keys(ORCHESTRATOR_VARIABLES.shape)) {
      expect(lines.filter((line) => line.startsWith(`${name}=`) || line.startsWith(`# ${name}=`))).toHaveLength(1);
    }
    expect(lines).toContain('SOURCE_DATABASE_URL=postgres://orchestrator:change-me@localhost:5432/app');
    expect(lines).toContain('# WAL_LAG_ALERT_BYTES=1GiB');
    expect(lines.every((line) => line === '' || line.startsWith('#') || /^[A-Z_]+=/.test(line))).toBe(true);
  });
});
