# shellcheck shell=bash
# Shared by the operator scripts (sourced): messages, errors and option parsing, so every script
# answers the same way.
#
# Exit status convention:
#   0  done (and `--help`, which prints the usage on stdout)
#   1  failure: a tool, credential, lookup or remote step failed (`die`)
#   2  usage error: a missing, unknown or malformed argument (`usage_error`); the message names
#      it and points at `--help`
# Messages go to stderr, prefixed with the script's name, so stdout carries only results.

# The name in messages: the script's file name (stack.sh, tunnel.sh, ...).
cli_name=${0##*/}

# Progress for the operator (stderr).
log() { echo "$cli_name: $*" >&2; }

# A failure: the message, exit 1.
die() { log "$*"; exit 1; }

# A usage error: the message and where the usage is, exit 2.
usage_error() {
  log "$*"
  echo "Run 'scripts/$cli_name --help' for usage." >&2
  exit 2
}

# `need_value "$@"` inside the option loop: the option in $1 needs a non-empty value in $2.
need_value() { if [ $# -lt 2 ] || [ -z "$2" ]; then usage_error "$1 needs a value"; fi; }

# `unknown_option "$1"`: an option this script does not take, named.
unknown_option() { usage_error "unknown option $1"; }

# `is_port VALUE`: a TCP port number, 1-65535.
is_port() { [[ $1 =~ ^[0-9]{1,5}$ ]] && [ "$1" -ge 1 ] && [ "$1" -le 65535 ]; }

# `require_port OPTION VALUE`: a usage error naming the option unless VALUE is a port number.
require_port() { is_port "$2" || usage_error "$1 must be a port number (1-65535), got '$2'"; }

# `set_environment_once VALUE`: the one positional <environment> of tunnel.sh and boot-log.sh
# (sets `env_name`; a second one is a usage error naming both).
set_environment_once() {
  # shellcheck disable=SC2154  # env_name belongs to the sourcing script
  [ -z "$env_name" ] || usage_error "one environment only (got '$env_name' and '$1')"
  env_name=$1
}

# `require_environment EXAMPLE`: after the option loop, an environment was given and is a name the
# app accepts (ENVIRONMENT_NAME_PATTERN of lib/naming.sh, which the caller sources; the scripts pass
# it to AWS filters and file names).
require_environment() {
  [ -n "$env_name" ] || usage_error "which environment? e.g. scripts/$cli_name $1"
  [[ $env_name =~ ${ENVIRONMENT_NAME_PATTERN:?scripts/lib/naming.sh is not sourced} ]] || usage_error "'$env_name' is not an environment name"
}
