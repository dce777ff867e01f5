#!/usr/bin/env node
// `npm run synth`, and the app command the cdktf CLI runs (cdktf.json): builds what is stale
// (usually nothing: scripts/build.js), then runs the cdktf app (dist/main.js) in this same process.
// One node start instead of two (a build check, then the app) is most of what a no-change synth
// spent beyond the app itself. Environment variables select what is synthesized (README).
'use strict';
const path = require('path');
const { build, reportBuildError } = require('./build');

const started = Date.now();
build().then(
  (built) => {
    // Progress on stdout: the cdktf CLI shows every stderr line of its app as [ERROR].
    if (built.length > 0) console.log(`build: ${built.join(', ')} in ${Date.now() - started} ms`);
    require(path.join(__dirname, '..', 'dist', 'main.js'));
  },
  (error) => {
    reportBuildError(error);
    process.exit(1);
  },
);
