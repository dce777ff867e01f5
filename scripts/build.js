#!/usr/bin/env node
// Builds the runnable artifacts with esbuild (type checking is `npm run typecheck`):
//   dist/main.js          the cdktf app (provider classes and .gen bindings bundled; cdktf external)
//   dist/orchestrator.js  the orchestrator as ONE file with its dependencies inlined, so the host
//                         runs it with plain `node` and no node_modules
//   dist/<name>.js        benchmark entry points under scripts/*.ts
//
// An output is rebuilt only when its inputs changed since it was built (see inputsFingerprint), so
// `npm run synth` and `cdktf synth` pay one stat per input path for the build when nothing changed
// (see unchangedSince).
// Progress goes to stdout, errors to stderr (the cdktf CLI shows each stderr line as [ERROR]).
//
// usage: node scripts/build.js [--orchestrator-only] [--quiet] [--force]
'use strict';
const path = require('path');
const fs = require('fs');

const root = path.join(__dirname, '..');
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
// the cdktf CLI and tests load. Whitespace and comments are left out: node reads and parses the
// whole file on every synth, and it is a third smaller (3.4 -> 2.2 MB) and ASCII only (a few
// comments held non-ASCII characters, which makes node decode all of it as UTF-16): reading and
// parsing it went from ~180 to ~110 ms on the loaded 2-core machine. Identifiers stay as written,
// so a stack trace still names our functions.
const appBuilds = [
  { ...common, entryPoints: ['main.ts'], outfile: 'dist/main.js', external: ['cdktf', 'constructs'], minifyWhitespace: true },
];

const benchEntries = ['scripts/bench-orchestrator.ts', 'scripts/bench-freshness.ts', 'scripts/bench-freshness-model.ts']
  .filter((entry) => fs.existsSync(path.join(root, entry)))
  .map((entry) => ({
    ...common,
    entryPoints: [entry],
    outfile: path.join('dist', path.basename(entry, '.ts') + '.js'),
    packages: 'external',
  }));

/**
 * Every input path with what the quick check compares: files (size, modification time), the
 * folders walked (modification time: adding, removing or renaming an entry changes it) and optional
 * inputs that are absent (their appearance is a change). The walk covers the source folders the
 * type checker compiles (tsconfig.json "include", so the list is written once; it holds __tests__
 * too, because the benchmark bundles import test support code), every file in them (not only .ts:
 * the orchestrator's sql, the host's user-data template, this script), the generated bindings, and
 * the manifests that decide what node_modules holds.
 */
function scanInputs() {
  const tsconfig = JSON.parse(fs.readFileSync(path.join(root, 'tsconfig.json'), 'utf8'));
  const tops = new Set(tsconfig.include.map((pattern) => pattern.split('/')[0]));
  for (const file of ['package.json', 'package-lock.json', 'tsconfig.json', 'cdktf.json', path.join('node_modules', '.package-lock.json')]) tops.add(file);
  const entries = [];
  const walk = (relative) => {
    const absolute = path.join(root, relative);
    const stat = fs.statSync(absolute, { throwIfNoEntry: false });
    if (stat === undefined) {
      entries.push({ file: relative, kind: 'absent' });
    } else if (stat.isDirectory()) {
      if (path.basename(relative) === 'node_modules') return;
      entries.push({ file: relative, kind: 'directory', mtimeMs: stat.mtimeMs });
      for (const entry of fs.readdirSync(absolute).sort()) walk(path.join(relative, entry));
    } else if (stat.isFile()) {
      entries.push({ file: relative, kind: 'file', size: stat.size, mtimeMs: stat.mtimeMs });
    }
  };
  for (const top of [...tops].sort()) walk(top);
  return entries;
}

/** The input files with size and modification time (scanInputs without folders). Exported for the build test. */
function inputFiles() {
  return scanInputs()
    .filter((entry) => entry.kind === 'file')
    .map(({ file, size, mtimeMs }) => ({ file, size, mtimeMs }));
}

/**
 * One value for the state of every input. Path, size and modification time rather than "outputs
 * newer than inputs": it also notices a deleted or added file and a file put back with an older
 * time (git checkout of an older version, a restored backup), and costs a few hundred stats, not a read.
 */
function inputsFingerprint(entries = scanInputs()) {
  const hash = require('crypto').createHash('sha256');
  for (const { file, kind, size, mtimeMs } of entries) {
    if (kind === 'file') hash.update(`${file}\0${size}\0${mtimeMs}\n`);
  }
  return hash.digest('hex');
}

/**
 * The stamp: the fingerprint each output was built from, and the last scan (`inputs`: every entry
 * of scanInputs and its fingerprint).
 */
function readStamp() {
  try {
    const stamp = JSON.parse(fs.readFileSync(STAMP_FILE, 'utf8'));
    return { outputs: stamp.outputs ?? {}, inputs: stamp.inputs };
  } catch {
    return { outputs: {} };
  }
}

function writeStamp(stamp) {
  // Written aside and renamed: test files build in parallel, and a reader must never see half a file.
  const temporary = `${STAMP_FILE}.${process.pid}`;
  fs.mkdirSync(path.dirname(STAMP_FILE), { recursive: true });
  fs.writeFileSync(temporary, JSON.stringify(stamp) + '\n');
  fs.renameSync(temporary, STAMP_FILE);
}

/** Whether every entry of the last scan still stats the same: one stat each, no directory listing. */
function unchangedSince(inputs) {
  if (!inputs || !Array.isArray(inputs.entries)) return false;
  for (const [file, kind, mtimeMs, size] of inputs.entries) {
    const stat = fs.statSync(path.join(root, file), { throwIfNoEntry: false });
    if (kind === 'absent') {
      if (stat !== undefined) return false;
    } else if (stat === undefined || stat.mtimeMs !== mtimeMs) {
      return false;
    } else if (kind === 'directory' ? !stat.isDirectory() : !stat.isFile() || stat.size !== size) {
      return false;
    }
  }
  return true;
}

/**
 * The fingerprint of the inputs as they are now. Usually (nothing changed) from the stamp after
 * one stat per input path; otherwise from a full scan, which is then recorded for the next run.
 */
function currentFingerprint(stamp) {
  if (unchangedSince(stamp.inputs)) return stamp.inputs.fingerprint;
  const entries = scanInputs();
  const fingerprint = inputsFingerprint(entries);
  stamp.inputs = {
    fingerprint,
    entries: entries.map(({ file, kind, mtimeMs, size }) => (kind === 'file' ? [file, kind, mtimeMs, size] : kind === 'directory' ? [file, kind, mtimeMs] : [file, kind])),
  };
  stamp.scanned = true;
  return fingerprint;
}

function staleBuilds(wanted, stamp, fingerprint, force) {
  if (force) return wanted;
  return wanted.filter((b) => stamp.outputs[b.outfile] !== fingerprint || !fs.existsSync(path.join(root, b.outfile)));
}

/**
 * Builds the outputs whose inputs changed since they were built (all of them with `force`).
 * Resolves to the outfiles built, empty when everything was up to date; rejects when esbuild
 * fails (it has printed the located messages already).
 *
 * The up-to-date path is what every `npm run synth` pays: one read of the stamp and one stat per
 * input path (file, folder), nothing else loaded (no hashing, no esbuild).
 */
async function build({ orchestratorOnly = false, force = false } = {}) {
  const wanted = orchestratorOnly ? [orchestratorBundle] : [orchestratorBundle, ...appBuilds, ...benchEntries];
  const stamp = readStamp();
  // Taken before building, so a file edited while esbuild runs makes the next run build again.
  let fingerprint = currentFingerprint(stamp);
  if (staleBuilds(wanted, stamp, fingerprint, force).length === 0) {
    if (stamp.scanned) writeStamp({ outputs: readStamp().outputs, inputs: stamp.inputs });
    return [];
  }
  // The app imports .gen/providers/airbyte: regenerate it if it is missing or stale, so synth works
  // even when install scripts were skipped. Not needed on the up-to-date path above: what the
  // bindings are made from (cdktf.json, scripts/provider-schemas, the installed cdktf-cli) and .gen
  // itself are inputs, so stale bindings always mean a changed fingerprint.
  if (!orchestratorOnly && require('./generate-bindings').ensureBindings()) {
    stamp.inputs = undefined;
    fingerprint = currentFingerprint(stamp);
  }
  const builds = staleBuilds(wanted, stamp, fingerprint, force);
  // Loaded only when there is something to build: requiring esbuild costs more than the check.
  const esbuild = require('esbuild');
  await Promise.all(builds.map((options) => esbuild.build(options)));
  fs.chmodSync(path.join(root, 'dist', 'orchestrator.js'), 0o755);
  // Re-read: another build (a parallel test file) may have recorded its outputs meanwhile.
  const outputs = readStamp().outputs;
  for (const b of builds) outputs[b.outfile] = fingerprint;
  writeStamp({ outputs, inputs: stamp.inputs });
  return builds.map((b) => b.outfile);
}

/**
 * Records every output present in dist/ as built from the inputs as they are now, without
 * building: for a copy of the project that brings its bundles along (scripts/cdktn-compare.js), so
 * its build check runs the very bundles it was given. The stamp's format stays this file's own.
 */
function markOutputsCurrent() {
  const stamp = { outputs: {}, inputs: undefined };
  const fingerprint = currentFingerprint(stamp);
  for (const b of [orchestratorBundle, ...appBuilds, ...benchEntries]) {
    if (fs.existsSync(path.join(root, b.outfile))) stamp.outputs[b.outfile] = fingerprint;
  }
  writeStamp({ outputs: stamp.outputs, inputs: stamp.inputs });
}

/** Prints a build failure: esbuild's own messages are out already (error.errors); anything else is ours. */
function reportBuildError(error) {
  if (!Array.isArray(error && error.errors)) console.error(error);
}

async function main() {
  const args = new Set(process.argv.slice(2));
  const orchestratorOnly = args.has('--orchestrator-only');
  const started = Date.now();
  let built;
  try {
    built = await build({ orchestratorOnly, force: args.has('--force') });
  } catch (error) {
    reportBuildError(error);
    process.exit(1);
  }
  if (args.has('--quiet')) return;
  if (built.length > 0) console.log(`build: ${built.join(', ')} in ${Date.now() - started} ms`);
  else console.log(`build: up to date (${orchestratorOnly ? orchestratorBundle.outfile : [orchestratorBundle, ...appBuilds, ...benchEntries].map((b) => b.outfile).join(', ')})`);
}

module.exports = { build, inputFiles, markOutputsCurrent, reportBuildError };

if (require.main === module) main();
