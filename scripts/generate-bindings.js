#!/usr/bin/env node
// Generates .gen/providers/airbyte with `cdktf get`, offline: cdktf reads the provider schema
// from the committed snapshot through its provider-schema cache instead of running terraform
// against the registry. Skips the work when .gen already matches the snapshot and cdktf.json.
// With registry access, a plain `cdktf get` produces the same files.
'use strict';
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const { spawnSync } = require('child_process');
const { CACHE_DIR } = require('./provider-schema-cache');

const root = path.join(__dirname, '..');
const genDir = path.join(root, '.gen');
const stampFile = path.join(genDir, '.inputs.sha256');
const cdktfBin = path.join(root, 'node_modules', '.bin', 'cdktf');

function inputsDigest() {
  const hash = crypto.createHash('sha256');
  hash.update(fs.readFileSync(path.join(root, 'cdktf.json')));
  for (const file of fs.readdirSync(CACHE_DIR).sort()) {
    hash.update(file);
    hash.update(fs.readFileSync(path.join(CACHE_DIR, file)));
  }
  hash.update(require(path.join(root, 'node_modules', 'cdktf-cli', 'package.json')).version);
  return hash.digest('hex');
}

/** Generates the bindings unless they already match the snapshot (cheap when up to date). */
function ensureBindings({ force = false } = {}) {
  if (!fs.existsSync(cdktfBin)) {
    console.error('generate-bindings: cdktf-cli is not installed (run npm install)');
    process.exit(1);
  }
  const digest = inputsDigest();
  const upToDate =
    fs.existsSync(stampFile) &&
    fs.readFileSync(stampFile, 'utf8').trim() === digest &&
    fs.existsSync(path.join(genDir, 'providers', 'airbyte', 'index.ts'));
  if (upToDate && !force) return false;

  const result = spawnSync(cdktfBin, ['get', '--force'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    env: {
      ...process.env,
      CHECKPOINT_DISABLE: '1',
      CDKTF_DISABLE_PLUGIN_CACHE_ENV: '1',
      CDKTF_EXPERIMENTAL_PROVIDER_SCHEMA_CACHE_PATH: CACHE_DIR,
      CI: '1',
    },
  });
  const generated = fs.existsSync(path.join(genDir, 'providers', 'airbyte', 'index.ts'));
  if (result.status !== 0 || !generated) {
    console.error('generate-bindings: `cdktf get` failed to generate .gen/providers/airbyte');
    console.error((result.stdout || '') + (result.stderr || ''));
    process.exit(1);
  }
  fs.writeFileSync(stampFile, digest + '\n');
  // Progress, so stdout: the cdktf CLI shows every stderr line of the app command as [ERROR].
  console.log('generate-bindings: .gen/providers/airbyte generated from scripts/provider-schemas/ (offline)');
  return true;
}

module.exports = { ensureBindings };

if (require.main === module) ensureBindings({ force: process.argv.includes('--force') });
