#!/bin/bash
# Boots the Airbyte host (EC2 user-data, kept under 16 KB): data volume, Docker, Node.js, abctl,
# Airbyte, its API credentials to Secrets Manager, the orchestrator as a hardened systemd unit.
# The bundle is not in here (a new one must not replace the host): the unit installs what the
# release parameter lists. user-data.ts fills the VALUES block. Safe to re-run.
# Test hooks: ROOT_PREFIX (prefixes paths written), LOG_FILE, *_TIMEOUT_SECONDS, HEALTH_INTERVAL_SECONDS.
set -Eeuo pipefail
# >>> VALUES
REGION='eu-west-1'
ENVIRONMENT='example'
ABCTL_VERSION='v0.30.4'
AIRBYTE_CHART_VERSION='2.2.0'
AIRBYTE_PORT='8000'
LOW_RESOURCE_MODE='false'
DATA_VOLUME_ID='vol-0123456789abcdef0'
DOCKER_HUB_SECRET_ARN=''
AIRBYTE_CREDENTIALS_SECRET_ARN='arn:aws:secretsmanager:eu-west-1:123456789012:secret:example-airbyte-api'
DATABASE_SECRET_ARN='arn:aws:secretsmanager:eu-west-1:123456789012:secret:example-database'
ALERT_WEBHOOK_SECRET_ARN='arn:aws:secretsmanager:eu-west-1:123456789012:secret:example-alert-webhook'
ORCHESTRATOR_CONFIG_PARAMETER='/example/orchestrator/config'
RELEASE_PARAMETER='/example/cdc/host-release'
PREPARATION_PARAMETER='/example/cdc/source-preparation'
# <<< VALUES

# cloud-init runs this without HOME; abctl keeps its cluster state under it.
export HOME=/root AWS_REGION="$REGION" AWS_DEFAULT_REGION="$REGION"
umask 022
ROOT="${ROOT_PREFIX:-}"
LOG_FILE="${LOG_FILE:-/var/log/airbyte-host-boot.log}"
HEALTH_TIMEOUT_SECONDS="${HEALTH_TIMEOUT_SECONDS:-900}"
HEALTH_INTERVAL_SECONDS="${HEALTH_INTERVAL_SECONDS:-10}"
VOLUME_TIMEOUT_SECONDS="${VOLUME_TIMEOUT_SECONDS:-600}"
SERVICE=cdc-orchestrator
# Paths as the running host sees them (they go into the unit); files are written under $ROOT.
APP_DIR=/opt/$SERVICE
BUNDLE=$APP_DIR/orchestrator.js
UNIT_FILE=/etc/systemd/system/$SERVICE.service
RELEASE_SCRIPT=/usr/local/sbin/cdc-host-release
PREPARE_SCRIPT=/usr/local/bin/cdc-prepare-source
# abctl keeps Airbyte's database under $HOME/.airbyte: the data volume. NVMe ids drop the dash.
DATA_DIR=$HOME/.airbyte
DATA_DEVICE=$ROOT/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${DATA_VOLUME_ID//-/}
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
node_bin() {
  local b v
  for b in node-22 node; do
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
log "boot of the Airbyte host for environment $ENVIRONMENT (abctl $ABCTL_VERSION, chart $AIRBYTE_CHART_VERSION, port $AIRBYTE_PORT, low-resource mode $LOW_RESOURCE_MODE)"

step data-volume "mount Airbyte's data volume $DATA_VOLUME_ID at $DATA_DIR"
# Terraform attaches it once the instance runs.
deadline=$((SECONDS + VOLUME_TIMEOUT_SECONDS))
until [ -e "$DATA_DEVICE" ]; do
  [ "$SECONDS" -lt "$deadline" ] || fail "volume $DATA_VOLUME_ID did not appear as $DATA_DEVICE within ${VOLUME_TIMEOUT_SECONDS}s"
  sleep 2
done
mkdir -p "$ROOT$DATA_DIR"
if mountpoint -q "$ROOT$DATA_DIR"; then
  log "$DATA_DIR is already mounted"
else
  # Only a blank device is formatted: a replaced host mounts the data as it is.
  fstype=$(blkid -o value -s TYPE "$DATA_DEVICE" || true)
  if [ -z "$fstype" ]; then
    log "blank volume: mkfs.xfs"
    mkfs.xfs -q -L airbyte-data "$DATA_DEVICE"
  elif [ "$fstype" = xfs ]; then
    log "existing file system: keeping its data"
  else
    fail "the volume holds $fstype, not XFS; refusing to touch it"
  fi
  uuid=$(blkid -o value -s UUID "$DATA_DEVICE")
  mount -t xfs "$DATA_DEVICE" "$ROOT$DATA_DIR"
  # nofail: a reboot without the volume still boots (reachable over SSM); mounted before Docker
  # restarts the kind node that uses it.
  mkdir -p "$ROOT/etc"
  grep -sv " $DATA_DIR " "$ROOT/etc/fstab" >"$WORK/fstab" || true
  printf 'UUID=%s %s xfs defaults,nofail,x-systemd.before=docker.service 0 2\n' "$uuid" "$DATA_DIR" >>"$WORK/fstab"
  put_file "$ROOT/etc/fstab" 0644 <"$WORK/fstab"
fi

step docker "install and start Docker"
if command -v docker >/dev/null; then log "Docker is already installed"; else dnf install -y docker; fi
if ! systemctl is-enabled --quiet docker || ! systemctl is-active --quiet docker; then
  systemctl enable --now docker
fi
docker info >/dev/null

step nodejs "install Node.js 22"
if NODE_BIN=$(node_bin); then
  log "Node.js is already installed: $NODE_BIN"
else
  dnf install -y nodejs22
  NODE_BIN=$(node_bin) || fail "no Node.js >= 20 found after installing nodejs22"
fi

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

step airbyte-install "install Airbyte chart $AIRBYTE_CHART_VERSION with abctl"
# Unpinned, abctl installs the newest chart; a changed pin upgrades in place.
want="abctl=$ABCTL_VERSION chart=$AIRBYTE_CHART_VERSION port=$AIRBYTE_PORT low-resource-mode=$LOW_RESOURCE_MODE"
if [ -f "$STATE_DIR/airbyte-install" ] && [ "$(<"$STATE_DIR/airbyte-install")" = "$want" ] && healthy; then
  log "Airbyte is already installed with these settings and healthy"
else
  if [ -n "$DOCKER_HUB_SECRET_ARN" ]; then
    # ~17 image pulls through one NAT address; Docker Hub allows 10/h anonymously. The password
    # goes through stdin and abctl's environment (read by its kong flags), never a command line.
    hub=$(aws secretsmanager get-secret-value --secret-id "$DOCKER_HUB_SECRET_ARN" --query SecretString --output text)
    [[ $hub =~ \"username\"\ *:\ *\"([A-Za-z0-9._-]+)\" ]] || fail "Docker Hub secret: no usable username"
    u=${BASH_REMATCH[1]}
    [[ $hub =~ \"password\"\ *:\ *\"([A-Za-z0-9._~+/=-]+)\" ]] || fail "Docker Hub secret: no usable password"
    docker login -u "$u" --password-stdin <<<"${BASH_REMATCH[1]}" >/dev/null
    export ABCTL_LOCAL_INSTALL_DOCKER_USERNAME=$u ABCTL_LOCAL_INSTALL_DOCKER_PASSWORD=${BASH_REMATCH[1]}
    unset hub
  fi
  flags=(--port "$AIRBYTE_PORT" --chart-version "$AIRBYTE_CHART_VERSION" --no-browser)
  if [ "$LOW_RESOURCE_MODE" = true ]; then flags+=(--low-resource-mode); fi
  "$ABCTL_BIN" local install "${flags[@]}" || fail "abctl local install exited with status $?"
  unset ABCTL_LOCAL_INSTALL_DOCKER_USERNAME ABCTL_LOCAL_INSTALL_DOCKER_PASSWORD
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

step orchestrator-release "install the orchestrator release listed in $RELEASE_PARAMETER"
mkdir -p "$ROOT$APP_DIR" "$ROOT${RELEASE_SCRIPT%/*}" "$ROOT${PREPARE_SCRIPT%/*}"
# The unit runs it before every start (as root): a new bundle arrives with a restart.
{ printf '#!/bin/bash\nREGION=%q\nRELEASE_PARAMETER=%q\nAPP_DIR=%q\n' "$REGION" "$RELEASE_PARAMETER" "$APP_DIR"; cat <<'SH'; } | put_file "$ROOT$RELEASE_SCRIPT" 0755
# Installs what the release parameter lists ("<sha256> <name> s3://bucket/key" lines) into APP_DIR,
# each only once its sha256 matches; prints changed or unchanged.
set -euo pipefail
export AWS_REGION=$REGION AWS_DEFAULT_REGION=$REGION
ROOT="${ROOT_PREFIX:-}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
manifest=$(aws ssm get-parameter --name "$RELEASE_PARAMETER" --query Parameter.Value --output text)
changed=unchanged sums=""
while read -r sha name url; do
  [ -n "${sha:-}" ] || continue
  if ! [[ $sha =~ ^[0-9a-f]{64}$ && $name =~ ^[a-z0-9-]+\.js$ && $url =~ ^s3://[a-z0-9.-]+/[^[:space:]]+$ ]]; then
    echo "cdc-host-release: malformed line for '$name'" >&2; exit 1
  fi
  dest=$ROOT$APP_DIR/$name
  have=$(sha256sum "$dest" 2>/dev/null || true)
  if [ "${have%% *}" != "$sha" ]; then
    aws s3 cp --only-show-errors "$url" "$work/$name"
    got=$(sha256sum "$work/$name")
    if [ "${got%% *}" != "$sha" ]; then
      echo "cdc-host-release: checksum mismatch for $url: expected $sha, got ${got%% *}; refusing to install it" >&2; exit 1
    fi
    install -m 0644 "$work/$name" "$dest.new"
    mv -f "$dest.new" "$dest"
    changed=changed
  fi
  sums+="$sha  $APP_DIR/$name"$'\n'
done <<<"$manifest"
[ -n "$sums" ] || { echo "cdc-host-release: no files listed" >&2; exit 1; }
if [ "$sums" != "$(cat "$ROOT$APP_DIR/release.sha256" 2>/dev/null)"$'\n' ]; then
  printf '%s' "$sums" >"$ROOT$APP_DIR/release.sha256.new"
  mv -f "$ROOT$APP_DIR/release.sha256.new" "$ROOT$APP_DIR/release.sha256"
fi
echo "$changed"
SH
CHANGED=0
release=$("$ROOT$RELEASE_SCRIPT") || fail "cdc-host-release exited with status $?"
if [ "$release" = changed ]; then CHANGED=1; else log "the release is already installed and verified"; fi
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
# scripts/stack.sh deploy runs it through SSM Run Command before the Airbyte stack.
put_file "$ROOT$PREPARE_SCRIPT" 0755 <<PREPARE
#!/bin/bash
# Prepares the source from this host, which reaches it; arguments go to prepare-source.
set -euo pipefail
"\${ROOT_PREFIX:-}$RELEASE_SCRIPT" >/dev/null
export AWS_REGION=$REGION AWS_DEFAULT_REGION=$REGION PREPARATION_PARAMETER=$PREPARATION_PARAMETER NODE_EXTRA_CA_CERTS=$APP_DIR/rds-ca.pem
exec $NODE_BIN "\${ROOT_PREFIX:-}$APP_DIR/prepare-source.js" "\$@"
PREPARE
RESTART=$CHANGED
CHANGED=0
mkdir -p "$ROOT${UNIT_FILE%/*}"
put_file "$ROOT$UNIT_FILE" 0644 <<UNIT
[Unit]
Description=CDC orchestrator: triggers Airbyte syncs when the source changes ($ENVIRONMENT)
Wants=network-online.target
After=network-online.target docker.service
# Restarts are 60 s apart: the service keeps retrying until the config parameter exists.
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
ExecStartPre=+$RELEASE_SCRIPT
ExecStartPre=/usr/bin/sha256sum --check --quiet $APP_DIR/release.sha256
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
