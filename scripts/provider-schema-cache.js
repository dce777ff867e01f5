'use strict';
// Where the committed provider schema snapshots live, named the way cdktf's experimental
// provider-schema cache looks them up: encodeURIComponent(shortName)@encodeURIComponent(constraint).json
// (the short name, not "namespace/name": a namespaced key misses and cdktf falls back to terraform).
const path = require('path');

const CACHE_DIR = path.join(__dirname, 'provider-schemas');
const AIRBYTE_CONSTRAINT = '~> 1.2';

function cacheFileFor(shortName, constraint) {
  return path.join(CACHE_DIR, `${encodeURIComponent(shortName)}@${encodeURIComponent(constraint)}.json`);
}

module.exports = { CACHE_DIR, AIRBYTE_CONSTRAINT, cacheFileFor };
