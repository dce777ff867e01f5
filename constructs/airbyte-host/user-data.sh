#!/bin/bash
# Boots the Airbyte host (EC2 user-data): Docker, abctl, Airbyte, the API credentials in Secrets
# Manager, Node.js, and the orchestrator as a hardened systemd service.
# user-data.ts replaces the block between the VALUES markers with the environment's values; the
# placeholders there only make this file runnable and lintable on its own.
# Safe to re-run: every step checks what is already right and changes only what is not.
# Test hooks (environment): ROOT_PREFIX (prefix for every path written except the log), LOG_FILE,
# HEALTH_TIMEOUT_SECONDS, HEALTH_INTERVAL_SECONDS.
set -Eeuo pipefail
# >>> VALUES
REGION='eu-west-1'
ENVIRONMENT='example'
ABCTL_VERSION='v0.30.4'
AIRBYTE_PORT='8000'
LOW_RESOURCE_MODE='false'
AIRBYTE_CREDENTIALS_SECRET_ARN='arn:aws:secretsmanager:eu-west-1:123456789012:secret:example-airbyte-api'
DATABASE_SECRET_ARN='arn:aws:secretsmanager:eu-west-1:123456789012:secret:example-database'
ALERT_WEBHOOK_SECRET_ARN='arn:aws:secretsmanager:eu-west-1:123456789012:secret:example-alert-webhook'
ORCHESTRATOR_CONFIG_PARAMETER='/example/orchestrator/config'
ASSET_BUCKET='example-assets'
ASSET_KEY='orchestrator/orchestrator.js'
ASSET_SHA256='0000000000000000000000000000000000000000000000000000000000000000'
# <<< VALUES

# cloud-init runs this without HOME; abctl keeps its cluster state under it.
export HOME=/root AWS_REGION="$REGION" AWS_DEFAULT_REGION="$REGION"
umask 022
ROOT="${ROOT_PREFIX:-}"
LOG_FILE="${LOG_FILE:-/var/log/airbyte-host-boot.log}"
HEALTH_TIMEOUT_SECONDS="${HEALTH_TIMEOUT_SECONDS:-900}"
HEALTH_INTERVAL_SECONDS="${HEALTH_INTERVAL_SECONDS:-10}"
SERVICE=cdc-orchestrator
# Paths as the running host sees them (they go into the unit); files are written under $ROOT.
APP_DIR=/opt/$SERVICE
BUNDLE=$APP_DIR/orchestrator.js
UNIT_FILE=/etc/systemd/system/$SERVICE.service
ABCTL_BIN=$ROOT/usr/local/bin/abctl
STATE_DIR=$ROOT/var/lib/airbyte-host-boot
HEALTH_URL="http://localhost:$AIRBYTE_PORT/api/public/v1/health"
RDS_CA_URL=https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem
STEP=setup

log() { printf '%s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" | tee -a "$LOG_FILE" >&2; }
fail() { log "FAILED in step $STEP: $*"; exit 1; }
on_err() {
  local rc=$?
  # With set -E, subshells run this trap too; only the main shell reports, so once per failure.
  if [ "$BASHPID" = "$$" ]; then log "FAILED in step $STEP: '$1' exited with status $rc"; fi
  exit "$rc"
}
trap 'on_err "$BASH_COMMAND"' ERR
step() { STEP=$1; log "step $1: $2"; }
# put_file DEST MODE <content: replaces DEST only when the content differs, and then sets CHANGED=1.
put_file() {
  local tmp
  tmp=$(mktemp "$1.XXXXXX")
  cat >"$tmp"
  if cmp -s "$tmp" "$1"; then rm -f "$tmp"; else chmod "$2" "$tmp"; mv -f "$tmp" "$1"; CHANGED=1; fi
}
healthy() { curl -fsS --max-time 10 -o /dev/null "$HEALTH_URL" 2>/dev/null; }
abctl_ok() { local v; v=$("$ABCTL_BIN" version 2>/dev/null) && grep -qwF -- "$ABCTL_VERSION" <<<"$v"; }
sha_of() { local s; s=$(sha256sum "$1"); printf '%s\n' "${s%% *}"; }
node_bin() {
  local b v
  for b in node-20 node; do
    b=$(command -v "$b") || continue
    v=$("$b" --version 2>/dev/null) || continue
    if [[ $v =~ ^v([0-9]+)\. ]] && [ "${BASH_REMATCH[1]}" -ge 20 ]; then printf '%s\n' "$b"; return 0; fi
  done
  return 1
}
kube() {
  # abctl ships no kubectl; the kind node it runs has one with an admin kubeconfig.
  if command -v kubectl >/dev/null; then
    kubectl --kubeconfig "$HOME/.airbyte/abctl/abctl.kubeconfig" "$@"
  else
    docker exec airbyte-abctl-control-plane kubectl --kubeconfig /etc/kubernetes/admin.conf "$@"
  fi
}
auth_secret() { kube -n airbyte-abctl get secret airbyte-auth-secrets -o "jsonpath={.data.$1}" | base64 -d; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
log "boot of the Airbyte host for environment $ENVIRONMENT (abctl $ABCTL_VERSION, port $AIRBYTE_PORT, low-resource mode $LOW_RESOURCE_MODE)"

step docker "install and start Docker"
if command -v docker >/dev/null; then log "Docker is already installed"; else dnf install -y docker; fi
if ! systemctl is-enabled --quiet docker || ! systemctl is-active --quiet docker; then
  systemctl enable --now docker
fi
docker info >/dev/null

step abctl "install abctl $ABCTL_VERSION"
if abctl_ok; then
  log "abctl $ABCTL_VERSION is already installed"
else
  case "$(uname -m)" in
    x86_64) arch=amd64 ;;
    aarch64) arch=arm64 ;;
    *) fail "no abctl build for CPU $(uname -m)" ;;
  esac
  curl -fsSL --retry 5 --retry-delay 10 --retry-all-errors --connect-timeout 30 -o "$WORK/abctl.tar.gz" \
    "https://github.com/airbytehq/abctl/releases/download/$ABCTL_VERSION/abctl-$ABCTL_VERSION-linux-$arch.tar.gz"
  mkdir "$WORK/abctl"
  tar -xzf "$WORK/abctl.tar.gz" -C "$WORK/abctl"
  bin=$(find "$WORK/abctl" -type f -name abctl -print -quit)
  [ -n "$bin" ] || fail "the release archive holds no abctl binary"
  mkdir -p "${ABCTL_BIN%/*}"
  install -m 0755 "$bin" "$ABCTL_BIN"
  abctl_ok || fail "the installed abctl does not report version $ABCTL_VERSION"
fi

step airbyte-install "install Airbyte with abctl"
# abctl pins the Airbyte chart, so the abctl version plus the flags identify the installation.
want="abctl=$ABCTL_VERSION port=$AIRBYTE_PORT low-resource-mode=$LOW_RESOURCE_MODE"
if [ -f "$STATE_DIR/airbyte-install" ] && [ "$(<"$STATE_DIR/airbyte-install")" = "$want" ] && healthy; then
  log "Airbyte is already installed with these settings and healthy"
else
  flags=(--port "$AIRBYTE_PORT" --no-browser)
  if [ "$LOW_RESOURCE_MODE" = true ]; then flags+=(--low-resource-mode); fi
  "$ABCTL_BIN" local install "${flags[@]}" || fail "abctl local install exited with status $?"
  mkdir -p "$STATE_DIR"
  printf '%s\n' "$want" >"$STATE_DIR/airbyte-install"
fi

step airbyte-health "wait for $HEALTH_URL (at most ${HEALTH_TIMEOUT_SECONDS}s)"
deadline=$((SECONDS + HEALTH_TIMEOUT_SECONDS))
until healthy; do
  [ "$SECONDS" -lt "$deadline" ] || fail "no healthy answer from $HEALTH_URL within ${HEALTH_TIMEOUT_SECONDS}s"
  sleep "$HEALTH_INTERVAL_SECONDS"
done
log "Airbyte is healthy"

step airbyte-credentials "copy the Airbyte API client credentials to Secrets Manager"
client_id=$(auth_secret instance-admin-client-id)
client_secret=$(auth_secret instance-admin-client-secret)
# Restricting the characters keeps the JSON below valid without an escaping step.
for v in "$client_id" "$client_secret"; do
  [[ $v =~ ^[A-Za-z0-9._~+/=-]+$ ]] || fail "airbyte-auth-secrets holds an empty or unexpected client id or secret"
done
# The value travels through a 0600 file, never a command line (visible in ps).
umask 077
printf '{"client_id":"%s","client_secret":"%s"}' "$client_id" "$client_secret" >"$WORK/api.json"
umask 022
unset client_id client_secret v
current=$(aws secretsmanager get-secret-value --secret-id "$AIRBYTE_CREDENTIALS_SECRET_ARN" \
  --query SecretString --output text 2>/dev/null || true)
if [ "$current" = "$(<"$WORK/api.json")" ]; then
  log "the secret already holds these credentials"
else
  aws secretsmanager put-secret-value --secret-id "$AIRBYTE_CREDENTIALS_SECRET_ARN" \
    --secret-string "file://$WORK/api.json" >/dev/null
  log "stored the credentials in $AIRBYTE_CREDENTIALS_SECRET_ARN"
fi
rm -f "$WORK/api.json"
unset current

step nodejs "install Node.js 20"
if NODE_BIN=$(node_bin); then
  log "Node.js is already installed: $NODE_BIN"
else
  dnf install -y nodejs20
  NODE_BIN=$(node_bin) || fail "no Node.js >= 20 found after installing nodejs20"
fi

step orchestrator-bundle "install s3://$ASSET_BUCKET/$ASSET_KEY (sha256 $ASSET_SHA256)"
CHANGED=0
mkdir -p "$ROOT$APP_DIR"
if [ -f "$ROOT$BUNDLE" ] && [ "$(sha_of "$ROOT$BUNDLE")" = "$ASSET_SHA256" ]; then
  log "the bundle is already installed and verified"
else
  aws s3 cp --only-show-errors "s3://$ASSET_BUCKET/$ASSET_KEY" "$WORK/orchestrator.js"
  got=$(sha_of "$WORK/orchestrator.js")
  [ "$got" = "$ASSET_SHA256" ] || fail "checksum mismatch for s3://$ASSET_BUCKET/$ASSET_KEY: expected $ASSET_SHA256, got $got; refusing to install it"
  install -m 0644 "$WORK/orchestrator.js" "$ROOT$BUNDLE.new"
  mv -f "$ROOT$BUNDLE.new" "$ROOT$BUNDLE"
  CHANGED=1
fi
# The unit checks this again before every start, so a tampered bundle never runs.
put_file "$ROOT$BUNDLE.sha256" 0644 <<<"$ASSET_SHA256  $BUNDLE"
# node-postgres verifies the server certificate even for sslmode=require, and RDS certificates
# chain to Amazon's RDS CAs, which Node does not trust by default.
if curl -fsSL --retry 5 --retry-delay 10 --retry-all-errors --connect-timeout 30 -o "$WORK/rds-ca.pem" "$RDS_CA_URL" \
  && grep -q 'BEGIN CERTIFICATE' "$WORK/rds-ca.pem"; then
  put_file "$ROOT$APP_DIR/rds-ca.pem" 0644 <"$WORK/rds-ca.pem"
elif [ -f "$ROOT$APP_DIR/rds-ca.pem" ]; then
  log "warning: could not refresh the RDS CA bundle from $RDS_CA_URL; keeping the installed one"
else
  fail "could not download the RDS CA bundle from $RDS_CA_URL"
fi

step orchestrator-service "install and start the $SERVICE service"
if ! id -u "$SERVICE" >/dev/null 2>&1; then
  useradd --system --no-create-home --home-dir /nonexistent --shell /sbin/nologin "$SERVICE"
fi
put_file "$ROOT$APP_DIR/fetch-env.js" 0644 <<'JS'
'use strict';
// ExecStartPre of the orchestrator: reads its secrets and config at every start (so a rotated secret
// applies on restart) into its private runtime directory; the unit itself holds only their names.
const { execFileSync } = require('child_process');
const fs = require('fs');
const env = process.env;
const dir = env.RUNTIME_DIRECTORY;
if (!dir) throw new Error('RUNTIME_DIRECTORY is not set: run this from the systemd unit');
const aws = (args) => execFileSync('aws', [...args, '--output', 'text'],
  { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).replace(/\n$/, '');
const secret = (arn, keys) => {
  let value;
  // JSON.parse errors quote the input, so they must not escape with a secret in them.
  try { value = JSON.parse(aws(['secretsmanager', 'get-secret-value', '--secret-id', arn, '--query', 'SecretString'])); }
  catch (e) { throw new Error(`secret ${arn} could not be read as JSON${e.status ? ' (aws exited ' + e.status + ')' : ''}`); }
  for (const k of keys) if (value[k] === undefined || value[k] === '') throw new Error(`secret ${arn} has no "${k}"`);
  return value;
};
const db = secret(env.DATABASE_SECRET_ARN, ['username', 'password', 'host', 'port', 'dbname']);
const api = secret(env.AIRBYTE_CREDENTIALS_SECRET_ARN, ['client_id', 'client_secret']);
const config = aws(['ssm', 'get-parameter', '--name', env.ORCHESTRATOR_CONFIG_PARAMETER, '--with-decryption', '--query', 'Parameter.Value']);
if (!/^[A-Za-z0-9.-]+$/.test(db.host) || !/^\d+$/.test(String(db.port))) throw new Error('database secret: bad host or port');
const e = encodeURIComponent;
const vars = {
  SOURCE_DATABASE_URL: `postgresql://${e(db.username)}:${e(db.password)}@${db.host}:${db.port}/${e(db.dbname)}?sslmode=require`,
  AIRBYTE_CLIENT_ID: api.client_id,
  AIRBYTE_CLIENT_SECRET: api.client_secret,
  ORCHESTRATOR_CONFIG: `${dir}/config.json`,
};
// Optional: an operator stores a Slack-compatible webhook URL (plain string) in this secret;
// until then (no value yet) alerts only go to the log.
if (env.ALERT_WEBHOOK_SECRET_ARN) {
  let url = '';
  try { url = aws(['secretsmanager', 'get-secret-value', '--secret-id', env.ALERT_WEBHOOK_SECRET_ARN, '--query', 'SecretString']); }
  catch (e) { process.stderr.write(`alert webhook secret not readable (aws exited ${e.status}); alerts go to the log only\n`); }
  if (url && !/^https:\/\/\S+$/.test(url)) throw new Error('alert webhook secret: expected an https:// URL');
  if (url) vars.ALERT_WEBHOOK_URL = url;
}
const line = ([k, v]) => {
  if (/[\r\n]/.test(String(v))) throw new Error(`${k} contains a line break`);
  return `${k}="${String(v).replace(/[\\"`$]/g, '\\$&')}"\n`;
};
const write = (name, text) => {
  fs.writeFileSync(`${dir}/${name}.tmp`, text, { mode: 0o600 });
  fs.renameSync(`${dir}/${name}.tmp`, `${dir}/${name}`);
};
write('config.json', `${config}\n`);
write('orchestrator.env', Object.entries(vars).map(line).join(''));
JS
RESTART=$CHANGED
CHANGED=0
mkdir -p "$ROOT${UNIT_FILE%/*}"
put_file "$ROOT$UNIT_FILE" 0644 <<UNIT
[Unit]
Description=CDC orchestrator: triggers Airbyte syncs when the source changes ($ENVIRONMENT)
Wants=network-online.target
After=network-online.target docker.service
# Restarts are 60 s apart, so the limit only stops a tighter loop; the service keeps retrying
# until, e.g., the Airbyte stack has published the config parameter.
StartLimitIntervalSec=900
StartLimitBurst=20

[Service]
User=$SERVICE
Group=$SERVICE
Environment="HOME=/run/$SERVICE" "AWS_REGION=$REGION" "AIRBYTE_API_URL=http://localhost:$AIRBYTE_PORT/api/public/v1"
Environment="DATABASE_SECRET_ARN=$DATABASE_SECRET_ARN"
Environment="ALERT_WEBHOOK_SECRET_ARN=$ALERT_WEBHOOK_SECRET_ARN"
Environment="AIRBYTE_CREDENTIALS_SECRET_ARN=$AIRBYTE_CREDENTIALS_SECRET_ARN"
Environment="ORCHESTRATOR_CONFIG_PARAMETER=$ORCHESTRATOR_CONFIG_PARAMETER"
Environment="NODE_EXTRA_CA_CERTS=$APP_DIR/rds-ca.pem"
RuntimeDirectory=$SERVICE
RuntimeDirectoryMode=0700
UMask=0077
ExecStartPre=/usr/bin/sha256sum --check --quiet $BUNDLE.sha256
ExecStartPre=$NODE_BIN $APP_DIR/fetch-env.js
EnvironmentFile=-/run/$SERVICE/orchestrator.env
ExecStart=$NODE_BIN $BUNDLE run
Restart=on-failure
RestartSec=60
TimeoutStopSec=60
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectControlGroups=yes
RestrictSUIDSGID=yes
LockPersonality=yes

[Install]
WantedBy=multi-user.target
UNIT
if [ "$CHANGED" = 1 ]; then systemctl daemon-reload; RESTART=1; fi
if ! systemctl is-enabled --quiet "$SERVICE"; then systemctl enable "$SERVICE"; fi
# --no-block: the first start may wait for the config parameter, which must not fail the boot.
if [ "$RESTART" = 1 ]; then
  systemctl restart --no-block "$SERVICE"
elif ! systemctl is-active --quiet "$SERVICE"; then
  systemctl start --no-block "$SERVICE"
fi

STEP=finished
log "boot complete: Airbyte on port $AIRBYTE_PORT, $SERVICE enabled (journalctl -u $SERVICE shows its runs)"
