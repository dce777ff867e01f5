#!/usr/bin/env node
// npm run compare:cdktn — proves the exit from archived cdktf: synthesizes every stack of this
// project twice, once as it is (cdktf) and once in a scratch copy where CDK Terrain (`cdktn`) is
// installed under the name `cdktf` (an npm alias, so no import changes), and compares every
// cdk.tf.json. The ONLY thing ignored is the cdk.tf.json field `//.metadata.version` (the library
// version string, which differs by definition); everything else that differs is reported by JSON
// path, as are stacks or other output files present on one side only.
//
// Two ways to install the scratch copy, both with cdktn from the npm registry:
//   default         cdktn and its constructs are installed into a side directory (npm install
//                   cdktf@npm:cdktn@... constructs@...), and the copy's node_modules links those two
//                   there and every other package to this project's node_modules. The app bundle
//                   (scripts/build.js) keeps only cdktf and constructs external, so at run time every
//                   cdktf class, the prebuilt providers' included, comes from cdktn. Takes ~1 minute.
//   --full-install  what a migrating user does: `npm install cdktf@npm:cdktn@... constructs@...`
//                   in the copy, which reinstalls every dependency and regenerates the bindings,
//                   then type-checks and builds the project against cdktn (minutes; registry-bound).
// Needs the npm registry (npm view, npm install; nothing else from the network).
// Exit codes: 0 identical except the version string; 1 outputs differ (listed); 2 could not run
// (e.g. the package or version does not exist on the registry; the message says which step failed).
//
// usage: node scripts/cdktn-compare.js [--full-install] [--keep]
//   env CDKTN_VERSION (default 0.24.0), CONSTRUCTS_VERSION (default 10.7.2: cdktn 0.24.0 declares
//   the peer range constructs >=10.6.0 <10.8.0; this project pins 10.4.2 for cdktf 0.21)
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.join(__dirname, '..');
const CDKTN_VERSION = process.env.CDKTN_VERSION || '0.24.0';
const CONSTRUCTS_VERSION = process.env.CONSTRUCTS_VERSION || '10.7.2';
// Every stack the app can make: the checked-in environments, an ephemeral one and the bootstrap stacks.
const SYNTH_ENV = { ENVIRONMENTS: '', EPHEMERAL_ENV: 'pr-1', BOOTSTRAP: 'all' };
const IGNORED = '//.metadata.version';
const keep = process.argv.includes('--keep');
const fullInstall = process.argv.includes('--full-install');

function fail(message) {
  console.error(`compare:cdktn: cannot compare: ${message}`);
  process.exit(2);
}

function run(label, command, args, options) {
  const started = Date.now();
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  if (result.status !== 0) {
    fail(`${label} exited ${result.status ?? result.signal}\n${(result.stdout || '').trim()}\n${(result.stderr || result.error || '').toString().trim()}`);
  }
  console.log(`compare:cdktn: ${label} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return result;
}

/** The project's own files: what git tracks plus new files not ignored (never node_modules, .gen, dist). */
function projectFiles() {
  const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' });
  if (listed.status !== 0) fail(`git ls-files failed in ${root}: ${listed.stderr}`);
  return listed.stdout.split('\0').filter((file) => file !== '' && fs.existsSync(path.join(root, file)));
}

/** `npm run synth` as a user runs it (build if stale, then the app), writing to `outdir`. */
function synth(label, projectDir, outdir) {
  const npm = process.env.npm_execpath ? [process.execPath, [process.env.npm_execpath]] : ['npm', []];
  run(`${label}: npm run synth`, npm[0], [...npm[1], 'run', '--silent', 'synth'], {
    cwd: projectDir,
    env: { ...process.env, ...SYNTH_ENV, CDKTF_OUTDIR: outdir },
  });
}

function listFiles(dir, prefix = '') {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listFiles(path.join(dir, entry.name), path.join(prefix, entry.name)) : [path.join(prefix, entry.name)],
  );
}

const show = (value) => {
  const text = JSON.stringify(value);
  return text === undefined ? '(absent)' : text.length > 160 ? `${text.slice(0, 157)}...` : text;
};

/** Every JSON path where the two values differ, with both values. */
function jsonDifferences(a, b, at = '') {
  const bothObjects = a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b);
  if (!bothObjects) return JSON.stringify(a) === JSON.stringify(b) ? [] : [`${at || '(root)'}: cdktf ${show(a)} | cdktn ${show(b)}`];
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.flatMap((key) => jsonDifferences(a[key], b[key], at === '' ? key : `${at}.${key}`));
}

function versionOf(json) {
  return json?.['//']?.metadata?.version;
}

/** Compares two cdktf output directories; returns the differences and the version strings seen. */
function compareOutputs(cdktfOut, cdktnOut) {
  const differences = [];
  const versions = { cdktf: new Set(), cdktn: new Set() };
  const left = new Set(listFiles(path.join(cdktfOut, 'stacks')));
  const right = new Set(listFiles(path.join(cdktnOut, 'stacks')));
  const stackJsons = [...left].filter((file) => path.basename(file) === 'cdk.tf.json').sort();
  for (const file of [...new Set([...left, ...right])].sort()) {
    if (!left.has(file) || !right.has(file)) {
      differences.push(`stacks/${file}: only in the ${left.has(file) ? 'cdktf' : 'cdktn'} output`);
      continue;
    }
    const a = fs.readFileSync(path.join(cdktfOut, 'stacks', file));
    const b = fs.readFileSync(path.join(cdktnOut, 'stacks', file));
    if (path.basename(file) !== 'cdk.tf.json') {
      if (!a.equals(b)) differences.push(`stacks/${file}: contents differ (${a.length} vs ${b.length} bytes)`);
      continue;
    }
    const jsonA = JSON.parse(a.toString('utf8'));
    const jsonB = JSON.parse(b.toString('utf8'));
    versions.cdktf.add(versionOf(jsonA));
    versions.cdktn.add(versionOf(jsonB));
    for (const json of [jsonA, jsonB]) if (json?.['//']?.metadata) delete json['//'].metadata.version;
    for (const line of jsonDifferences(jsonA, jsonB)) differences.push(`stacks/${file}: ${line}`);
  }
  return { differences, versions, stackJsons };
}

function main() {
  const started = Date.now();
  // Ask the registry first, so a missing package or version is reported as exactly that.
  const view = spawnSync('npm', ['view', `cdktn@${CDKTN_VERSION}`, 'version', 'peerDependencies', '--json'], { encoding: 'utf8' });
  if (view.status !== 0 || view.stdout.trim() === '') {
    fail(`the npm registry has no cdktn@${CDKTN_VERSION} (npm view exited ${view.status}): ${(view.stderr || view.stdout).trim().split('\n').slice(0, 3).join(' ')}`);
  }
  console.log(`compare:cdktn: registry has cdktn@${CDKTN_VERSION}, peer dependencies ${JSON.stringify(JSON.parse(view.stdout).peerDependencies ?? {})}`);

  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'cdktn-compare-'));
  const cdktfOut = path.join(scratch, 'out-cdktf');
  const cdktnOut = path.join(scratch, 'out-cdktn');
  // First, so the bundles are current before the copy is made.
  synth('cdktf 0.21 (this project)', root, cdktfOut);

  const copy = path.join(scratch, 'project');
  for (const file of projectFiles()) {
    fs.mkdirSync(path.dirname(path.join(copy, file)), { recursive: true });
    fs.cpSync(path.join(root, file), path.join(copy, file), { preserveTimestamps: true });
  }
  console.log(`compare:cdktn: copied the project to ${copy}`);

  // The alias keeps every `import ... from 'cdktf'` (ours, the prebuilt providers', the generated
  // bindings') and cdktf.json unchanged. The prebuilt providers declare the peer cdktf ^0.21, which
  // an aliased 0.24 does not satisfy by number, hence --legacy-peer-deps.
  const packages = [`cdktf@npm:cdktn@${CDKTN_VERSION}`, `constructs@${CONSTRUCTS_VERSION}`];
  const npmInstall = ['install', '--no-audit', '--no-fund', '--prefer-offline', '--legacy-peer-deps', '--save-exact', ...packages];
  if (fullInstall) {
    run(`npm install ${packages.join(' ')} (every dependency of the copy)`, 'npm', npmInstall, { cwd: copy });
  } else {
    const side = path.join(scratch, 'cdktn-install');
    fs.mkdirSync(side);
    fs.writeFileSync(path.join(side, 'package.json'), JSON.stringify({ name: 'cdktn-install', private: true }));
    run(`npm install ${packages.join(' ')} (side directory)`, 'npm', npmInstall, { cwd: side });
    const modules = path.join(copy, 'node_modules');
    fs.mkdirSync(modules);
    for (const entry of fs.readdirSync(path.join(root, 'node_modules'))) {
      if (entry === 'cdktf' || entry === 'constructs') continue;
      fs.symlinkSync(path.join(root, 'node_modules', entry), path.join(modules, entry));
    }
    // One copy of each: cdktn resolves constructs from its real location, the app through this link.
    for (const entry of ['cdktf', 'constructs']) fs.symlinkSync(path.join(side, 'node_modules', entry), path.join(modules, entry));
    // The generated bindings and the bundles come along, marked current for the copy's build check
    // (scripts/build.js), so the copy runs the very bundle the cdktf side ran: the one thing that
    // changes is the library behind its `require('cdktf')` (the bundle keeps cdktf external).
    // Rebuilt here, esbuild would name modules by their real paths through the links, and the
    // orchestrator bundle, an asset in the output, would differ in those comments alone.
    for (const generated of ['.gen', 'dist']) {
      fs.cpSync(path.join(root, generated), path.join(copy, generated), { recursive: true, preserveTimestamps: true });
    }
    require(path.join(copy, 'scripts', 'build.js')).markOutputsCurrent();
  }
  const installed = JSON.parse(fs.readFileSync(path.join(copy, 'node_modules', 'cdktf', 'package.json'), 'utf8'));
  if (installed.name !== 'cdktn') fail(`node_modules/cdktf in the scratch copy is ${installed.name}@${installed.version}, not cdktn`);
  const constructs = JSON.parse(fs.readFileSync(path.join(copy, 'node_modules', 'constructs', 'package.json'), 'utf8'));
  console.log(`compare:cdktn: the copy resolves cdktf to ${installed.name}@${installed.version}, constructs ${constructs.version}`);

  if (fullInstall) {
    // `npm install <packages>` does not run the project's own postinstall (the bindings).
    run('generate the provider bindings', process.execPath, [path.join('scripts', 'generate-bindings.js')], { cwd: copy });
    run('npm run typecheck against cdktn', 'npm', ['run', '--silent', 'typecheck'], { cwd: copy });
  }
  synth(`cdktn ${installed.version} (scratch copy)`, copy, cdktnOut);

  const { differences, versions, stackJsons } = compareOutputs(cdktfOut, cdktnOut);
  const stacks = stackJsons.map((file) => path.dirname(file));
  console.log(`compare:cdktn: compared ${stacks.length} stacks (${stacks.join(', ')}) and every other output file, in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  console.log(`compare:cdktn: ignored only ${IGNORED}: cdktf ${[...versions.cdktf].join(',')} vs cdktn ${[...versions.cdktn].join(',')}`);
  if (!keep) fs.rmSync(scratch, { recursive: true, force: true });
  else console.log(`compare:cdktn: kept ${scratch}`);
  if (stacks.length === 0) fail('the cdktf synth produced no stacks');
  // The version string is also the proof that each side ran the library it should have.
  if ([...versions.cdktn].join() !== installed.version || [...versions.cdktf].includes(installed.version)) {
    fail(`the outputs carry versions cdktf ${[...versions.cdktf].join(',')} / cdktn ${[...versions.cdktn].join(',')}; expected the copy to run cdktn ${installed.version}`);
  }
  if (differences.length > 0) {
    console.log(`compare:cdktn: ${differences.length} difference(s):`);
    for (const line of differences) console.log(`  ${line}`);
    process.exit(1);
  }
  console.log('compare:cdktn: identical');
}

module.exports = { compareOutputs, jsonDifferences };

if (require.main === module) main();
