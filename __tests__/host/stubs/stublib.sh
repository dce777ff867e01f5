# Sourced by every stub: records the call, and keeps the simulated host's state under $SANDBOX.
# shellcheck shell=bash
S="$SANDBOX/state"
record() { { printf '%s' "$1"; shift; for a in "$@"; do printf ' %s' "$a"; done; printf '\n'; } >>"$SANDBOX/calls.log"; }
control() { [ -f "$SANDBOX/control/$1" ]; }
key_of() { printf '%s' "$1" | tr -c 'A-Za-z0-9' '_'; }
# Answers "get secret airbyte-auth-secrets -o jsonpath={.data.KEY}" like kubectl would.
k8s_get() {
  local a key=""
  for a in "$@"; do case $a in jsonpath=*) key=${a#jsonpath=\{.data.}; key=${key%\}} ;; esac; done
  [ -f "$S/airbyte-up" ] || { echo "The connection to the server was refused" >&2; return 1; }
  [ -f "$SANDBOX/k8s/$key" ] || { echo "no key $key" >&2; return 1; }
  base64 -w0 <"$SANDBOX/k8s/$key"
}
record "${0##*/}" "$@"
