#!/usr/bin/env node
// Writes orchestrator/src/state/migrations.ts from the versioned SQL files beside this script, so the
// single-file bundle carries its migrations. Run after adding or editing a migration.
'use strict';
const fs = require('fs');
const path = require('path');

const sqlDir = __dirname;
const target = path.join(__dirname, '..', 'src', 'state', 'migrations.ts');

function render() {
  const files = fs.readdirSync(sqlDir).filter((file) => /^\d{3}_[a-z0-9_]+\.sql$/.test(file)).sort();
  const entries = files.map((file) => {
    const sql = fs.readFileSync(path.join(sqlDir, file), 'utf8');
    return `  { version: ${parseInt(file, 10)}, name: ${JSON.stringify(file)}, sql: ${JSON.stringify(sql)} },`;
  });
  return [
    '// GENERATED from orchestrator/sql/*.sql (the reviewable source of truth) by orchestrator/sql/embed.js.',
    '// The bundle ships alone, so the SQL is embedded here; a test keeps both identical.',
    '',
    'export interface Migration {',
    '  readonly version: number;',
    '  readonly name: string;',
    '  readonly sql: string;',
    '}',
    '',
    'export const MIGRATIONS: readonly Migration[] = [',
    ...entries,
    '];',
    '',
  ].join('\n');
}

module.exports = { render, target };

if (require.main === module) {
  fs.writeFileSync(target, render());
  console.error(`wrote ${path.relative(process.cwd(), target)}`);
}
