#!/usr/bin/env node
// Writes the Airbyte provider schema snapshot that `cdktf get` reads through its provider
// schema cache, so bindings are generated offline. Input: the output of
// `terraform providers schema -json` for a configuration that requires airbytehq/airbyte.
// Only names, types and flags are kept: prose (descriptions, deprecation text) is dropped, and
// keys are sorted so a refresh shows a reviewable diff.
//
// usage: node scripts/snapshot-airbyte-schema.js <providers-schema.json> [version]
'use strict';
const fs = require('fs');
const path = require('path');

const PROVIDER = 'registry.terraform.io/airbytehq/airbyte';
const PROSE_KEYS = new Set(['description', 'description_kind', 'deprecation_message']);

function stripProse(value) {
  if (Array.isArray(value)) return value.map(stripProse);
  if (value && typeof value === 'object') {
    const out = {};
    for (const key of Object.keys(value).sort()) {
      if (PROSE_KEYS.has(key)) continue;
      out[key] = stripProse(value[key]);
    }
    return out;
  }
  return value;
}

function main() {
  const [input, versionArg] = process.argv.slice(2);
  if (!input) {
    console.error('usage: snapshot-airbyte-schema.js <providers-schema.json> [version]');
    process.exit(2);
  }
  const raw = JSON.parse(fs.readFileSync(input, 'utf8'));
  const provider = raw.provider_schemas && raw.provider_schemas[PROVIDER];
  if (!provider) {
    console.error(`${input}: no provider_schemas["${PROVIDER}"] in this file`);
    process.exit(2);
  }
  const version = versionArg || (raw.provider_versions || {})[PROVIDER];
  if (!version) {
    console.error(`${input}: no provider_versions["${PROVIDER}"]; pass the version as 2nd argument`);
    process.exit(2);
  }
  const snapshot = {
    format_version: raw.format_version || '1.0',
    provider_schemas: { [PROVIDER]: stripProse(provider) },
    provider_versions: { [PROVIDER]: version },
  };
  const { cacheFileFor, AIRBYTE_CONSTRAINT } = require('./provider-schema-cache');
  const target = cacheFileFor('airbyte', AIRBYTE_CONSTRAINT);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, JSON.stringify(snapshot, null, 2) + '\n');
  console.log(`wrote ${path.relative(process.cwd(), target)} (airbytehq/airbyte ${version})`);
}

main();
