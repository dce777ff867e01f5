#!/usr/bin/env node
// npm run docs — writes every generated file or block (scripts/docs.ts, GENERATORS).
// `--check` writes nothing and exits 1 naming the stale files (what the staleness test does too).
// The TypeScript generators are bundled in memory with esbuild (packages stay external, resolved
// from the repository) and run in this process: no ts-node, no file in dist/.
'use strict';
const esbuild = require('esbuild');
const fs = require('fs');
const Module = require('module');
const path = require('path');

const root = path.join(__dirname, '..');
const check = process.argv.includes('--check');

const { outputFiles } = esbuild.buildSync({
  entryPoints: [path.join(root, 'scripts', 'docs.ts')],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
  write: false,
  absWorkingDir: root,
  logLevel: 'warning',
});
// As if it were dist/docs.js: one level below the root, like the app bundle, so __dirname-relative
// paths in the bundled modules (config/schema.ts's repository root) resolve the same.
const filename = path.join(root, 'dist', 'docs.js');
const bundle = new Module(filename, module);
bundle.filename = filename;
bundle.paths = Module._nodeModulePaths(path.dirname(filename));
bundle._compile(outputFiles[0].text, filename);
// The orchestrator's CLI reference is its bundle's --help: build that first (skipped when current).
const cliReference = require(path.join(root, 'orchestrator', 'docs', 'cli-reference.js'));
const generators = [
  ...bundle.exports.GENERATORS,
  { name: 'cli-reference', file: 'orchestrator/README.md', render: (current) => cliReference.renderInto(current) },
];

async function main() {
  await require('./build').build({ orchestratorOnly: true });
  const stale = [];
  for (const generator of generators) {
    const file = path.join(root, generator.file);
    const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
    const next = generator.render(current);
    if (next === current) continue;
    stale.push(`${generator.file} (${generator.name})`);
    if (!check) fs.writeFileSync(file, next);
  }
  if (check && stale.length > 0) {
    console.error(`stale generated documentation: ${stale.join(', ')}; run \`npm run docs\``);
    process.exit(1);
  }
  console.log(stale.length === 0 ? 'docs: up to date' : `docs: wrote ${stale.join(', ')}`);
}

main().catch((error) => {
  console.error(`npm run docs: ${error.message}`);
  process.exit(1);
});
