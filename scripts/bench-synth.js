#!/usr/bin/env node
// npm run bench:synth — wall time and peak RSS of synthesizing every stack of dev + prod
// (node dist/main.js, what `npm run synth` runs after the build), against the floor of an
// empty cdktf app on the same machine. Prints medians over several runs.
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
  const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  return { label, ms: median(samples.map((s) => s.ms)), cpuMs: median(samples.map((s) => s.cpuMs)), rssMiB: median(samples.map((s) => s.rssMiB)), maxRssMiB: Math.max(...samples.map((s) => s.rssMiB)) };
}

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
  const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  return {
    label, ms: median(samples.map((s) => s.ms)), cpuMs: median(samples.map((s) => s.cpuMs)),
    rssMiB: median(samples.map((s) => s.rssMiB)), maxRssMiB: Math.max(...samples.map((s) => s.rssMiB)),
    largestMiB: Math.max(...samples.map((s) => s.largestMiB)),
  };
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
console.log(`synth benchmark: median of ${runs} runs, node ${process.version}, ${os.cpus().length} CPUs`);
console.log(`load average before: ${os.loadavg()[0].toFixed(2)} (wall time is only meaningful on an idle machine)`);
console.log(`${pad('case', 26)}${pad('wall ms', 10)}${pad('cpu ms', 9)}${pad('peak RSS MiB', 14)}max RSS MiB`);
for (const r of [floor, full]) {
  console.log(`${pad(r.label, 26)}${pad(r.ms.toFixed(0), 10)}${pad(r.cpuMs.toFixed(0), 9)}${pad(r.rssMiB.toFixed(1), 14)}${r.maxRssMiB.toFixed(1)}`);
}
for (const r of [cliFloor, cliFull]) {
  console.log(`${pad(r.label, 26)}${pad(r.ms.toFixed(0), 10)}${pad(r.cpuMs.toFixed(0), 9)}${pad(r.rssMiB.toFixed(1), 14)}${r.maxRssMiB.toFixed(1)} (largest process ${r.largestMiB.toFixed(1)})`);
}
const ratio = full.ms / floor.ms;
const cpuRatio = full.cpuMs / floor.cpuMs;
console.log(`wall time vs floor: ${ratio.toFixed(2)}x (target ≤ 2x) ${ratio <= 2 ? 'OK' : 'OVER'}; cpu time vs floor: ${cpuRatio.toFixed(2)}x`);
console.log(`peak RSS: ${full.maxRssMiB.toFixed(1)} MiB (target < 400 MiB) ${full.maxRssMiB < 400 ? 'OK' : 'OVER'}`);
const cliRatio = cliFull.ms / cliFloor.ms;
console.log(
  `through the cdktf CLI: wall ${cliRatio.toFixed(2)}x the empty app (target ≤ 2x) ${cliRatio <= 2 ? 'OK' : 'OVER'}; ` +
    `peak RSS of CLI + app ≤ ${cliFull.maxRssMiB.toFixed(1)} MiB (target < 400 MiB) ${cliFull.maxRssMiB < 400 ? 'OK' : 'OVER'}`,
);
