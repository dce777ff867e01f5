#!/usr/bin/env bash
# Installs the Debian packages the test suite needs, only those missing (see usage below).
# Safe to re-run; needs root or sudo only when something is missing.
set -euo pipefail
script_dir=${BASH_SOURCE[0]%/*}
[ "$script_dir" != "${BASH_SOURCE[0]}" ] || script_dir=.
# shellcheck source-path=SCRIPTDIR source=lib/cli.sh
source "$script_dir/lib/cli.sh"

usage() {
  cat <<'USAGE'
Usage: scripts/install-system-deps.sh [options] [command ...]

Installs, with apt-get, the Debian packages the test suite needs that are missing:
  - postgresql-15: real PostgreSQL server the orchestrator tests start themselves
  - shellcheck: lints the host boot script and operator scripts
  - chromium: headless browser for the orchestrator status page test (driven by playwright-core)
  - jq: runs the pull request workflow's jq filters in the workflow test
  - bsdutils (util-linux `script`): gives the orchestrator CLI test a real terminal; Essential on
    Debian, so normally present already
and each extra command named that is not on PATH (its package of the same name).

Options:
  -h, --help   show this help
USAGE
}

while [ $# -gt 0 ]; do
  case $1 in
    -h|--help) usage; exit 0 ;;
    --) shift; break ;;
    -*) unknown_option "$1" ;;
    *) break ;;
  esac
done

missing=()
if [ ! -x /usr/lib/postgresql/15/bin/postgres ]; then
  missing+=(postgresql-15)
fi
command -v shellcheck >/dev/null 2>&1 || missing+=(shellcheck)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v jq >/dev/null 2>&1 || missing+=(jq)
command -v script >/dev/null 2>&1 || missing+=(bsdutils)
for extra in "$@"; do
  command -v "$extra" >/dev/null 2>&1 || missing+=("$extra")
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-system-deps: nothing to install"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || die "need root or sudo to install: ${missing[*]}"
  sudo="sudo"
fi
echo "install-system-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
