#!/usr/bin/env node
// Builds the runnable artifacts with esbuild (type checking is `npm run typecheck`):
//   dist/main.js          the cdktf app (provider classes and .gen bindings bundled; cdktf external)
//   dist/orchestrator.js  the orchestrator as ONE file with its dependencies inlined, so the host
//                         runs it with plain `node` and no node_modules
//   dist/<name>.js        benchmark entry points under scripts/*.ts
//
// An output is rebuilt only when its inputs changed since it was built (see inputsFingerprint), so
// `npm run synth` and `cdktf synth` pay nothing for the build when nothing changed.
// Progress goes to stdout, errors to stderr (the cdktf CLI shows each stderr line as [ERROR]).
//
// usage: node scripts/build.js [--orchestrator-only] [--quiet] [--force]
'use strict';
const crypto = require('crypto');
const path = require('path');
const fs = require('fs');

const root = path.join(__dirname, '..');
const args = new Set(process.argv.slice(2));
const quiet = args.has('--quiet');
const STAMP_FILE = path.join(root, 'dist', '.build-inputs.json');

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: false,
  logLevel: 'warning',
  absWorkingDir: root,
};

const orchestratorBundle = {
  ...common,
  entryPoints: ['orchestrator/src/cli.ts'],
  outfile: 'dist/orchestrator.js',
  // pg probes for the optional native binding; the pure-JS client is what we ship.
  external: ['pg-native'],
  banner: { js: '#!/usr/bin/env node' },
  legalComments: 'none',
};

// Provider classes are bundled into the app (one parsed file instead of ~40 module lookups,
// ~15% of synth time); cdktf and constructs stay external so the app shares the one copy that
// the cdktf CLI and tests load.
const appBuilds = [
  { ...common, entryPoints: ['main.ts'], outfile: 'dist/main.js', external: ['cdktf', 'constructs'] },
];

const benchEntries = ['scripts/bench-orchestrator.ts']
  .filter((entry) => fs.existsSync(path.join(root, entry)))
  .map((entry) => ({
    ...common,
    entryPoints: [entry],
    outfile: path.join('dist', path.basename(entry, '.ts') + '.js'),
    packages: 'external',
  }));

/**
 * Every file a build can depend on: the source folders the type checker compiles (tsconfig.json
 * "include", so the list is written once; it holds __tests__ too, because the benchmark bundles
 * import test support code), every file in them (not only .ts: the orchestrator's sql, the host's
 * user-data template, this script), the generated bindings, and the manifests that decide what
 * node_modules holds. Exported for the build test.
 */
function inputFiles() {
  const tsconfig = JSON.parse(fs.readFileSync(path.join(root, 'tsconfig.json'), 'utf8'));
  const tops = new Set(tsconfig.include.map((pattern) => pattern.split('/')[0]));
  for (const file of ['package.json', 'package-lock.json', 'tsconfig.json', path.join('node_modules', '.package-lock.json')]) tops.add(file);
  const files = [];
  const walk = (relative) => {
    const absolute = path.join(root, relative);
    let stat;
    try {
      stat = fs.statSync(absolute);
    } catch {
      return; // an optional input (e.g. no node_modules/.package-lock.json) is simply absent
    }
    if (stat.isDirectory()) {
      if (path.basename(relative) === 'node_modules') return;
      for (const entry of fs.readdirSync(absolute).sort()) walk(path.join(relative, entry));
    } else if (stat.isFile()) {
      files.push({ file: relative, size: stat.size, mtimeMs: stat.mtimeMs });
    }
  };
  for (const top of [...tops].sort()) walk(top);
  return files;
}

/**
 * One value for the state of every input. Path, size and modification time rather than "outputs
 * newer than inputs": it also notices a deleted or added file and a file put back with an older
 * time (git checkout of an older version, a restored backup), and costs a few hundred stats, not a read.
 */
function inputsFingerprint() {
  const hash = crypto.createHash('sha256');
  for (const { file, size, mtimeMs } of inputFiles()) hash.update(`${file}\0${size}\0${mtimeMs}\n`);
  return hash.digest('hex');
}

function readStamp() {
  try {
    return JSON.parse(fs.readFileSync(STAMP_FILE, 'utf8'));
  } catch {
    return {};
  }
}

async function main() {
  // The app imports .gen/providers/airbyte: regenerate it if it is missing or stale (a no-op
  // costing a few ms otherwise), so synth works even when install scripts were skipped.
  if (!args.has('--orchestrator-only')) require('./generate-bindings').ensureBindings();
  const wanted = args.has('--orchestrator-only') ? [orchestratorBundle] : [orchestratorBundle, ...appBuilds, ...benchEntries];
  // Taken before building, so a file edited while esbuild runs makes the next run build again.
  const fingerprint = inputsFingerprint();
  const stamp = readStamp();
  const builds = args.has('--force')
    ? wanted
    : wanted.filter((b) => stamp[b.outfile] !== fingerprint || !fs.existsSync(path.join(root, b.outfile)));
  if (builds.length === 0) {
    if (!quiet) console.log(`build: up to date (${wanted.map((b) => b.outfile).join(', ')})`);
    return;
  }
  // Loaded only when there is something to build: requiring esbuild is a third of a no-op run.
  const esbuild = require('esbuild');
  const started = Date.now();
  try {
    await Promise.all(builds.map((options) => esbuild.build(options)));
  } catch (error) {
    // esbuild has already printed its located messages (error.errors); anything else is ours.
    if (!Array.isArray(error && error.errors)) console.error(error);
    process.exit(1);
  }
  fs.chmodSync(path.join(root, 'dist', 'orchestrator.js'), 0o755);
  const next = readStamp();
  for (const b of builds) next[b.outfile] = fingerprint;
  // Written aside and renamed: test files build in parallel, and a reader must never see half a file.
  const temporary = `${STAMP_FILE}.${process.pid}`;
  fs.writeFileSync(temporary, JSON.stringify(next, null, 2) + '\n');
  fs.renameSync(temporary, STAMP_FILE);
  if (!quiet) console.log(`build: ${builds.map((b) => b.outfile).join(', ')} in ${Date.now() - started} ms`);
}

module.exports = { inputFiles, inputsFingerprint };

if (require.main === module) main();
