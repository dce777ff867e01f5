#!/usr/bin/env bash
# Installs the Debian packages the test suite needs, only those missing:
#   postgresql-15  real PostgreSQL server the orchestrator tests start themselves
#   shellcheck     lints the host boot script and operator scripts
#   chromium       headless browser for the orchestrator status page test (driven by playwright-core)
#   jq             runs the pull request workflow's jq filters in the workflow test
# Safe to re-run; needs root or sudo only when something is missing.
set -euo pipefail

missing=()
if [ ! -x /usr/lib/postgresql/15/bin/postgres ]; then
  missing+=(postgresql-15)
fi
command -v shellcheck >/dev/null 2>&1 || missing+=(shellcheck)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v jq >/dev/null 2>&1 || missing+=(jq)
for extra in "$@"; do
  command -v "$extra" >/dev/null 2>&1 || missing+=("$extra")
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-system-deps: nothing to install"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "install-system-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "install-system-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
