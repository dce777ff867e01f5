#!/usr/bin/env node
// Writes scripts/lib/naming.sh from config/naming.ts (through scripts/naming-shell.ts, bundled in
// memory with esbuild: the rules are TypeScript and this runs with plain node).
//
// usage: node scripts/gen-naming.js [--check]
//   --check  write nothing; exit 1 when the committed file differs from what would be written
'use strict';
const fs = require('fs');
const path = require('path');
const esbuild = require('esbuild');

const root = path.join(__dirname, '..');

function loadRenderer() {
  const built = esbuild.buildSync({
    entryPoints: ['scripts/naming-shell.ts'],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    write: false,
    absWorkingDir: root,
    logLevel: 'error',
  });
  const module = { exports: {} };
  new Function('module', 'exports', 'require', built.outputFiles[0].text)(module, module.exports, require);
  return module.exports;
}

const { renderNamingShell, NAMING_SHELL_FILE, NAMING_SHELL_COMMAND } = loadRenderer();
const file = path.join(root, NAMING_SHELL_FILE);
const wanted = renderNamingShell();
const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;

if (process.argv.includes('--check')) {
  if (current !== wanted) {
    process.stderr.write(`gen-naming: ${NAMING_SHELL_FILE} is stale; run ${NAMING_SHELL_COMMAND}\n`);
    process.exit(1);
  }
  console.log(`gen-naming: ${NAMING_SHELL_FILE} is up to date`);
} else if (current === wanted) {
  console.log(`gen-naming: ${NAMING_SHELL_FILE} is up to date`);
} else {
  fs.writeFileSync(file, wanted);
  console.log(`gen-naming: wrote ${NAMING_SHELL_FILE}`);
}
