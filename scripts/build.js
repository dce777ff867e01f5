#!/usr/bin/env node
// Builds the runnable artifacts with esbuild (type checking is `npm run typecheck`):
//   dist/main.js          the cdktf app (provider classes and .gen bindings bundled; cdktf external)
//   dist/orchestrator.js  the orchestrator as ONE file with its dependencies inlined, so the host
//                         runs it with plain `node` and no node_modules
//   dist/<name>.js        benchmark entry points under scripts/*.ts
//
// usage: node scripts/build.js [--orchestrator-only] [--quiet]
'use strict';
const path = require('path');
const fs = require('fs');
const esbuild = require('esbuild');

const root = path.join(__dirname, '..');
const args = new Set(process.argv.slice(2));
const quiet = args.has('--quiet');

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

const benchEntries = ['scripts/bench-orchestrator.ts', 'scripts/bench-freshness.ts']
  .filter((entry) => fs.existsSync(path.join(root, entry)))
  .map((entry) => ({
    ...common,
    entryPoints: [entry],
    outfile: path.join('dist', path.basename(entry, '.ts') + '.js'),
    packages: 'external',
  }));

async function main() {
  // The app imports .gen/providers/airbyte: regenerate it if it is missing or stale (a no-op
  // costing a few ms otherwise), so synth works even when install scripts were skipped.
  if (!args.has('--orchestrator-only')) require('./generate-bindings').ensureBindings();
  const builds = args.has('--orchestrator-only') ? [orchestratorBundle] : [orchestratorBundle, ...appBuilds, ...benchEntries];
  const started = Date.now();
  try {
    await Promise.all(builds.map((options) => esbuild.build(options)));
  } catch (error) {
    // esbuild has already printed the located error messages.
    process.exit(1);
  }
  fs.chmodSync(path.join(root, 'dist', 'orchestrator.js'), 0o755);
  if (!quiet) {
    console.error(`build: ${builds.map((b) => b.outfile).join(', ')} in ${Date.now() - started} ms`);
  }
}

main();
