import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.join(__dirname, '..', '..');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { inputFiles } = require('../../scripts/build.js') as { inputFiles: () => Array<{ file: string }> };

/**
 * The build runs in a scratch copy of the project (node_modules linked), so touching sources does
 * not disturb the worktree or the other test files that build it in parallel.
 */
let project: string;

beforeAll(() => {
  project = fs.mkdtempSync(path.join(os.tmpdir(), 'build-test-'));
  for (const entry of ['main.ts', '__tests__', 'config', 'constructs', 'stacks', 'orchestrator', 'scripts', '.gen', 'package.json', 'package-lock.json', 'tsconfig.json', 'cdktf.json']) {
    fs.cpSync(path.join(root, entry), path.join(project, entry), { recursive: true, preserveTimestamps: true });
  }
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(project, 'node_modules'));
});

afterAll(() => fs.rmSync(project, { recursive: true, force: true }));

function build(...args: string[]) {
  const result = spawnSync(process.execPath, [path.join(project, 'scripts', 'build.js'), ...args], { cwd: project, encoding: 'utf8' });
  expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
  return result.stdout;
}

const mtime = (file: string) => fs.statSync(path.join(project, file)).mtimeMs;

/** Moves a file's modification time forward, as an editor saving it would. */
function touch(file: string) {
  const later = new Date(Date.now() + 5000);
  fs.utimesSync(path.join(project, file), later, later);
}

describe('npm run build (scripts/build.js) skips esbuild when nothing changed', () => {
  test('first build writes the bundles; a second one with no change builds nothing', () => {
    expect(build()).toMatch(/^build: dist\/orchestrator\.js, dist\/main\.js, dist\/bench-orchestrator\.js, dist\/bench-freshness\.js, dist\/bench-freshness-model\.js in \d+ ms$/m);
    const before = mtime('dist/main.js');
    expect(build()).toBe('build: up to date (dist/orchestrator.js, dist/main.js, dist/bench-orchestrator.js, dist/bench-freshness.js, dist/bench-freshness-model.js)\n');
    expect(mtime('dist/main.js')).toBe(before);
  });

  test('markOutputsCurrent (what cdktn-compare does to its copy) makes the bundles present current without building them', () => {
    build();
    touch('constructs/network.ts');
    const before = mtime('dist/main.js');
    const marked = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(path.join(project, 'scripts', 'build.js'))}).markOutputsCurrent()`], { cwd: project, encoding: 'utf8' });
    expect({ status: marked.status, stderr: marked.stderr }).toEqual({ status: 0, stderr: '' });
    expect(build()).toMatch(/^build: up to date/);
    expect(mtime('dist/main.js')).toBe(before);
    touch('constructs/network.ts');
    expect(build()).toMatch(/^build: dist\/orchestrator\.js, dist\/main\.js/m);
  });

  test('touching a source file rebuilds, then the next run is up to date again', () => {
    build();
    touch('constructs/network.ts');
    expect(build()).toMatch(/^build: dist\/orchestrator\.js, dist\/main\.js, dist\/bench-orchestrator\.js, dist\/bench-freshness\.js, dist\/bench-freshness-model\.js in/m);
    expect(build()).toMatch(/^build: up to date/);
  });

  test('an edit reaches the bundle (the skip never serves stale code)', () => {
    build();
    const file = path.join(project, 'stacks', 'run-app.ts');
    const original = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, original.replace('synthesized ${stackNames.length} stacks', 'made ${stackNames.length} stacks'));
    build();
    expect(fs.readFileSync(path.join(project, 'dist', 'main.js'), 'utf8')).toContain('made ${stackNames.length} stacks');
    fs.writeFileSync(file, original);
  });

  test.each(['package-lock.json', 'tsconfig.json', 'orchestrator/sql/001_init.sql', 'constructs/airbyte-host/user-data.sh', 'config/environments/dev.ts', '.gen/providers/airbyte/index.ts', 'scripts/build.js', '__tests__/support/postgres.ts'])(
    'a change to %s rebuilds',
    (file) => {
      build();
      touch(file);
      expect(build()).toMatch(/^build: dist\//m);
    },
  );

  test('a deleted output rebuilds that output; an added or removed input file rebuilds', () => {
    build();
    fs.rmSync(path.join(project, 'dist', 'main.js'));
    expect(build()).toMatch(/^build: dist\/main\.js in \d+ ms$/m);
    const extra = path.join(project, 'constructs', 'extra.ts');
    fs.writeFileSync(extra, 'export const extra = 1;\n');
    expect(build()).toMatch(/^build: dist\//m);
    fs.rmSync(extra);
    expect(build()).toMatch(/^build: dist\//m);
  });

  // The up-to-date check stats the paths of the last scan instead of walking the folders again
  // (scripts/build.js unchangedSince): these are the changes only a folder's time or a vanished
  // path reveals.
  test('a file added in a nested folder, a file renamed, and a file put back with an older time rebuild', () => {
    build();
    const nested = path.join(project, 'orchestrator', 'sql', 'extra', 'note.txt');
    fs.mkdirSync(path.dirname(nested));
    fs.writeFileSync(nested, 'x\n');
    expect(build()).toMatch(/^build: dist\//m);
    fs.writeFileSync(path.join(path.dirname(nested), 'second.txt'), 'y\n');
    expect(build()).toMatch(/^build: dist\//m);
    fs.renameSync(nested, path.join(path.dirname(nested), 'renamed.txt'));
    expect(build()).toMatch(/^build: dist\//m);
    fs.rmSync(path.dirname(nested), { recursive: true });
    expect(build()).toMatch(/^build: dist\//m);
    const sql = path.join(project, 'orchestrator', 'sql', '001_init.sql');
    const earlier = new Date(fs.statSync(sql).mtimeMs - 60_000);
    fs.utimesSync(sql, earlier, earlier);
    expect(build()).toMatch(/^build: dist\//m);
    expect(build()).toMatch(/^build: up to date/);
  });

  test('an optional input that appears (node_modules/.package-lock.json) rebuilds', () => {
    // The project links the worktree's node_modules: use a scratch project of its own here.
    const lockless = fs.mkdtempSync(path.join(os.tmpdir(), 'build-test-lock-'));
    try {
      for (const entry of fs.readdirSync(project)) {
        if (entry === 'node_modules' || entry === 'dist') continue;
        fs.cpSync(path.join(project, entry), path.join(lockless, entry), { recursive: true, preserveTimestamps: true });
      }
      fs.mkdirSync(path.join(lockless, 'node_modules'));
      for (const entry of fs.readdirSync(path.join(root, 'node_modules'))) {
        if (entry !== '.package-lock.json') fs.symlinkSync(path.join(root, 'node_modules', entry), path.join(lockless, 'node_modules', entry));
      }
      const run = () => spawnSync(process.execPath, [path.join(lockless, 'scripts', 'build.js')], { cwd: lockless, encoding: 'utf8' }).stdout;
      expect(run()).toMatch(/^build: dist\//m);
      expect(run()).toMatch(/^build: up to date/);
      fs.writeFileSync(path.join(lockless, 'node_modules', '.package-lock.json'), '{}\n');
      expect(run()).toMatch(/^build: dist\//m);
    } finally {
      fs.rmSync(lockless, { recursive: true, force: true });
    }
  });

  test('the up-to-date path loads neither esbuild nor the bindings generator', () => {
    build();
    const probe = spawnSync(
      process.execPath,
      ['-e', "require('./scripts/build.js').build().then((built) => console.log(JSON.stringify({ built, loaded: Object.keys(require.cache).map((f) => require('path').relative(process.cwd(), f)) })))"],
      { cwd: project, encoding: 'utf8' },
    );
    const { built, loaded } = JSON.parse(probe.stdout) as { built: string[]; loaded: string[] };
    expect(built).toEqual([]);
    expect(loaded).toEqual(['scripts/build.js']);
  });

  test('--orchestrator-only leaves the app stale for the next full build, which rebuilds only what is stale', () => {
    build();
    touch('orchestrator/src/cli.ts');
    expect(build('--orchestrator-only')).toMatch(/^build: dist\/orchestrator\.js in \d+ ms$/m);
    expect(build()).toMatch(/^build: dist\/main\.js, dist\/bench-orchestrator\.js, dist\/bench-freshness\.js, dist\/bench-freshness-model\.js in \d+ ms$/m);
  });

  test('npm run synth (scripts/synth.js) builds only when stale, then runs the app in the same process', () => {
    const synth = () => {
      const outdir = path.join(project, 'synth-out');
      const result = spawnSync(process.execPath, [path.join(project, 'scripts', 'synth.js')], {
        cwd: project,
        encoding: 'utf8',
        env: { ...process.env, ENVIRONMENTS: 'dev', CDKTF_OUTDIR: outdir },
      });
      expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
      expect(fs.readdirSync(path.join(outdir, 'stacks')).sort()).toEqual(['dev-airbyte', 'dev-aws', 'dev-gcp']);
      fs.rmSync(outdir, { recursive: true, force: true });
      return result.stdout;
    };
    build();
    expect(synth()).toBe('synthesized 3 stacks: dev-aws, dev-gcp, dev-airbyte\n');
    touch('stacks/index.ts');
    expect(synth()).toMatch(/^build: dist\/orchestrator\.js, dist\/main\.js, dist\/bench-orchestrator\.js, dist\/bench-freshness\.js, dist\/bench-freshness-model\.js in \d+ ms\nsynthesized 3 stacks/);
  });

  test('the inputs are every file of the folders tsconfig.json compiles (tests too: the benchmark bundles import their support code), plus the install manifests', () => {
    const files = new Set(inputFiles().map((entry) => entry.file));
    const tsconfig = JSON.parse(fs.readFileSync(path.join(root, 'tsconfig.json'), 'utf8')) as { include: string[] };
    for (const top of new Set(tsconfig.include.map((pattern) => pattern.split('/')[0]))) {
      expect([...files].some((file) => file === top || file.startsWith(`${top}/`))).toBe(true);
    }
    for (const file of ['package.json', 'package-lock.json', 'tsconfig.json', 'orchestrator/sql/001_init.sql', 'scripts/build.js', 'main.ts']) {
      expect(files.has(file)).toBe(true);
    }
    expect([...files].some((file) => file.includes('node_modules/') && !file.endsWith('node_modules/.package-lock.json'))).toBe(false);
  });
});
