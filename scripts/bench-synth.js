#!/usr/bin/env node
// npm run bench:synth — wall time, CPU time and peak RSS of synthesizing every stack of dev + prod
// against the floor of an empty cdktf app on the same machine, in one run, three ways:
//   - `npm run synth` (build skipped when nothing changed, then the app) against an empty app run
//     the same way (`npm run` of plain `node`): the headline, target ≤ 2.0x and < 400 MB;
//   - the bare app process (node dist/main.js) against the bare empty app;
//   - through the cdktf CLI (`cdktf synth`, what deploys and CI plans run).
// Prints medians over several runs; wall time means little on a loaded machine (load average is
// printed), CPU time less so.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.join(__dirname, '..');
const runs = Number(process.env.BENCH_RUNS || 7);
const preload = path.join(__dirname, 'report-peak-rss.js');

const emptyApp = path.join(os.tmpdir(), `empty-cdktf-app-${process.pid}.js`);
fs.writeFileSync(
  emptyApp,
  `const { App, TerraformStack } = require(${JSON.stringify(require.resolve('cdktf', { paths: [root] }))});\n` +
    `const app = new App();\nnew TerraformStack(app, 'empty');\napp.synth();\n`,
);

/** Medians of a case's runs, with the worst peak (and the largest single process, where measured). */
/** The middle value (the upper one of an even count). */
function median(values) {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
}

function summarize(label, samples) {
  const summary = {
    label, ms: median(samples.map((s) => s.ms)), cpuMs: median(samples.map((s) => s.cpuMs)),
    rssMiB: median(samples.map((s) => s.rssMiB)), maxRssMiB: Math.max(...samples.map((s) => s.rssMiB)),
  };
  if (samples.every((s) => s.largestMiB !== undefined)) summary.largestMiB = Math.max(...samples.map((s) => s.largestMiB));
  return summary;
}

function measure(label, script, env = {}) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-synth-'));
    const rssFile = path.join(outdir, 'peak-rss');
    const started = process.hrtime.bigint();
    const result = spawnSync(process.execPath, ['-r', preload, script], {
      cwd: root,
      env: { ...process.env, ...env, CDKTF_OUTDIR: outdir, PEAK_RSS_FILE: rssFile },
      encoding: 'utf8',
    });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (result.status !== 0) {
      console.error(`${label}: exited ${result.status}\n${result.stderr}`);
      process.exit(1);
    }
    const usage = JSON.parse(fs.readFileSync(rssFile, 'utf8'));
    samples.push({ ms, cpuMs: usage.cpuMs, rssMiB: usage.maxRssKiB / 1024 });
    fs.rmSync(outdir, { recursive: true, force: true });
  }
  return summarize(label, samples);
}

/**
 * One `npm run synth` in a project directory: npm, then every command of the script (our build
 * check, then the app). Every node process of the tree reports its own peak RSS through
 * NODE_OPTIONS; the processes of `a && b` run one after the other under npm, so npm's peak plus the
 * largest child's bounds the tree's peak from above.
 */
function sampleNpm(label, projectDir) {
  // Under `npm run bench:synth`, npm_execpath is the npm that runs us: use the same one.
  const npmCli = process.env.npm_execpath;
  const command = npmCli ? [process.execPath, [npmCli, 'run', '--silent', 'synth']] : ['npm', ['run', '--silent', 'synth']];
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-npm-'));
  const rssDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-rss-'));
  const started = process.hrtime.bigint();
  const result = spawnSync(command[0], command[1], {
    cwd: projectDir,
    env: { ...process.env, ENVIRONMENTS: 'dev,prod', CDKTF_OUTDIR: outdir, NODE_OPTIONS: `-r ${preload}`, PEAK_RSS_DIR: rssDir },
    encoding: 'utf8',
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) {
    console.error(`${label}: npm run synth exited ${result.status}\n${result.stdout}\n${result.stderr}`);
    process.exit(1);
  }
  const reports = fs.readdirSync(rssDir).map((f) => JSON.parse(fs.readFileSync(path.join(rssDir, f), 'utf8')));
  const peaks = reports.map((r) => r.maxRssKiB / 1024).sort((a, b) => b - a);
  fs.rmSync(outdir, { recursive: true, force: true });
  fs.rmSync(rssDir, { recursive: true, force: true });
  return { ms, cpuMs: reports.reduce((sum, r) => sum + r.cpuMs, 0), rssMiB: peaks[0] + (peaks[1] || 0), largestMiB: peaks[0] };
}

/**
 * `npm run synth` of each project, run in turns (a, b, a, b, ...) rather than all of one then all
 * of the other, so a change of machine load during the run hits both sides alike. Also returns
 * the ratio of each turn (b over the a just before it), whose median is steadier than the ratio of
 * the medians on a loaded machine.
 */
function measureNpmInTurns(a, b) {
  const samples = [[], []];
  const ratios = [];
  for (let i = 0; i < runs; i++) {
    samples[0].push(sampleNpm(a.label, a.projectDir));
    samples[1].push(sampleNpm(b.label, b.projectDir));
    ratios.push(samples[1][i].ms / samples[0][i].ms);
  }
  return { first: summarize(a.label, samples[0]), second: summarize(b.label, samples[1]), ratios };
}

// The empty app as a project of its own, run the same way: `npm run synth` of plain `node`.
const emptyNpmProject = fs.mkdtempSync(path.join(os.tmpdir(), 'empty-npm-project-'));
fs.copyFileSync(emptyApp, path.join(emptyNpmProject, 'main.js'));
fs.writeFileSync(path.join(emptyNpmProject, 'package.json'), JSON.stringify({ name: 'empty-cdktf-app', private: true, scripts: { synth: 'node main.js' } }));
fs.symlinkSync(path.join(root, 'node_modules'), path.join(emptyNpmProject, 'node_modules'));
const npmTurns = measureNpmInTurns(
  { label: 'npm run synth, empty app', projectDir: emptyNpmProject },
  { label: 'npm run synth, dev + prod', projectDir: root },
);
const npmFloor = npmTurns.first;
const npmFull = npmTurns.second;
fs.rmSync(emptyNpmProject, { recursive: true, force: true });

const floor = measure('empty cdktf app (floor)', emptyApp);
const full = measure('dev + prod, 7 stacks', path.join(root, 'dist', 'main.js'), { ENVIRONMENTS: 'dev,prod' });

/**
 * The same two apps run by `cdktf synth` (what deploys and CI plans use): the CLI process plus the
 * app it starts. Every node process in the tree reports its own peak RSS; their sum bounds the
 * tree's peak from above.
 */
function measureCli(label, projectDir) {
  const cli = path.join(root, 'node_modules', 'cdktf-cli', 'bundle', 'bin', 'cdktf');
  const samples = [];
  const cliRuns = Math.max(3, Math.ceil(runs / 2));
  for (let i = 0; i < cliRuns; i++) {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-cli-'));
    const rssDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-rss-'));
    const started = process.hrtime.bigint();
    const result = spawnSync(process.execPath, [cli, 'synth', '--output', outdir], {
      cwd: projectDir,
      env: { ...process.env, CI: '1', CHECKPOINT_DISABLE: '1', ENVIRONMENTS: 'dev,prod', NODE_OPTIONS: `-r ${preload}`, PEAK_RSS_DIR: rssDir },
      encoding: 'utf8',
    });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (result.status !== 0) {
      console.error(`${label}: cdktf synth exited ${result.status}\n${result.stdout}\n${result.stderr}`);
      process.exit(1);
    }
    const reports = fs.readdirSync(rssDir).map((f) => JSON.parse(fs.readFileSync(path.join(rssDir, f), 'utf8')));
    samples.push({
      ms,
      cpuMs: reports.reduce((sum, r) => sum + r.cpuMs, 0),
      rssMiB: reports.reduce((sum, r) => sum + r.maxRssKiB, 0) / 1024,
      largestMiB: Math.max(...reports.map((r) => r.maxRssKiB)) / 1024,
    });
    fs.rmSync(outdir, { recursive: true, force: true });
    fs.rmSync(rssDir, { recursive: true, force: true });
  }
  return summarize(label, samples);
}

// An empty project beside ours (same node_modules) for the CLI floor.
const emptyProject = fs.mkdtempSync(path.join(os.tmpdir(), 'empty-cdktf-project-'));
fs.copyFileSync(emptyApp, path.join(emptyProject, 'main.js'));
fs.writeFileSync(path.join(emptyProject, 'cdktf.json'), JSON.stringify({ language: 'typescript', app: 'node main.js', sendCrashReports: 'false' }));
fs.symlinkSync(path.join(root, 'node_modules'), path.join(emptyProject, 'node_modules'));
const ourProject = fs.mkdtempSync(path.join(os.tmpdir(), 'our-cdktf-project-'));
fs.writeFileSync(path.join(ourProject, 'cdktf.json'), JSON.stringify({ language: 'typescript', app: `node ${path.join(root, 'dist', 'main.js')}`, sendCrashReports: 'false' }));
fs.symlinkSync(path.join(root, 'node_modules'), path.join(ourProject, 'node_modules'));
const cliFloor = measureCli('cdktf synth, empty app', emptyProject);
const cliFull = measureCli('cdktf synth, dev + prod', ourProject);
fs.rmSync(emptyProject, { recursive: true, force: true });
fs.rmSync(ourProject, { recursive: true, force: true });
fs.rmSync(emptyApp, { force: true });

const pad = (s, n) => String(s).padEnd(n);
console.log(`synth benchmark: median of ${runs} runs (cdktf CLI: ${Math.max(3, Math.ceil(runs / 2))}), node ${process.version}, ${os.cpus().length} CPUs`);
console.log(`load average: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (wall time is only meaningful on an idle machine)`);
console.log(`${pad('case', 28)}${pad('wall ms', 10)}${pad('cpu ms', 9)}${pad('peak RSS MiB', 14)}max RSS MiB`);
for (const r of [npmFloor, npmFull, floor, full, cliFloor, cliFull]) {
  const largest = r.largestMiB === undefined ? '' : ` (largest process ${r.largestMiB.toFixed(1)})`;
  console.log(`${pad(r.label, 28)}${pad(r.ms.toFixed(0), 10)}${pad(r.cpuMs.toFixed(0), 9)}${pad(r.rssMiB.toFixed(1), 14)}${r.maxRssMiB.toFixed(1)}${largest}`);
}
const verdict = (ok) => (ok ? 'OK' : 'OVER');
const npmRatio = npmFull.ms / npmFloor.ms;
const turnRatios = [...npmTurns.ratios].sort((x, y) => x - y); // sorted for the range
console.log(
  `npm run synth vs the empty app run the same way: wall ${npmRatio.toFixed(2)}x (target ≤ 2.0x) ${verdict(npmRatio <= 2)} ` +
    `(ratio per turn: median ${median(turnRatios).toFixed(2)}x, range ${turnRatios[0].toFixed(2)}–${turnRatios[turnRatios.length - 1].toFixed(2)}x); ` +
    `cpu ${(npmFull.cpuMs / npmFloor.cpuMs).toFixed(2)}x; peak RSS ≤ ${npmFull.maxRssMiB.toFixed(1)} MiB (target < 400 MiB) ${verdict(npmFull.maxRssMiB < 400)}`,
);
if (os.loadavg()[0] > os.cpus().length) {
  console.log(`the machine is loaded (load ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} CPUs): the wall-time verdict is unreliable; the cpu ratio is the better guide`);
}
const ratio = full.ms / floor.ms;
console.log(`bare app process vs bare empty app: wall ${ratio.toFixed(2)}x; cpu ${(full.cpuMs / floor.cpuMs).toFixed(2)}x; peak RSS ${full.maxRssMiB.toFixed(1)} MiB`);
const cliRatio = cliFull.ms / cliFloor.ms;
console.log(`through the cdktf CLI: wall ${cliRatio.toFixed(2)}x the empty app; peak RSS of CLI + app ≤ ${cliFull.maxRssMiB.toFixed(1)} MiB`);
