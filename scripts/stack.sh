#!/bin/bash
# The one operator entry for an environment's stacks. The GitHub workflows call it too, so a
# deploy from a laptop and one from CI run the same steps in the same order.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: scripts/stack.sh <command> [options] <environment>

Commands:
  deploy <env>    synth and preflight (tools, credentials, GCP key policy); deploy <env>-aws,
                  <env>-gcp (and <env>-kubernetes when the environment hosts Airbyte on EKS);
                  wait until Airbyte answers (through scripts/tunnel.sh: SSM to the host, or
                  kubectl port-forward in the cluster); prepare the source database: on the
                  host (SSM Run Command: cdc-prepare-source), or in the cluster (a Job from the
                  cronjob cdc-prepare-source, waited for, its logs shown); exit 2 when a person
                  must act, before <env>-airbyte; deploy <env>-airbyte; restart the orchestrator
                  (systemd on the host, or kubectl rollout restart of its Deployment)
  diff <env>      synth and plan the stacks; <env>-kubernetes only when its cluster exists and
                  <env>-airbyte only when Airbyte answers (both skipped on a first deploy)
  destroy <env>   retire-source (drops the replication slot when the source database is not
                  the environment's own), then destroy <env>-airbyte (skipped by itself when
                  its state is empty or the host is gone), (<env>-kubernetes), <env>-gcp,
                  <env>-aws, and delete the environment's Terraform state objects once they
                  hold no resources
  affected <git-ref>
                  print, as JSON, the checked-in environments whose plans the changes since
                  <git-ref> can alter: [{"environment":"dev","key":"DEV"}, ...]
  stale-ephemeral print, as JSON, the pull request environments (pr-<n>) whose Terraform
                  state holds resources, or that have AWS resources tagged Ephemeral=true, but
                  no open pull request: ["pr-12", ...]

Environments are dev, prod (config/environments/) or an ephemeral name, pr-<number> or
test-<word>, for which EPHEMERAL_ENV is set automatically.

Options:
      --health-timeout SEC  wait this long for Airbyte through the tunnel
                            (default: deploy 2400, diff and destroy 300)
      --tunnel-port PORT    local end of the tunnel (default 8000, where the Airbyte stack's
                            provider looks for the API)
      --skip-prepare-source deploy: do not prepare the source (it was prepared by hand)
      --recreate-lost-slot  deploy: let source preparation drop and recreate a replication
                            slot whose WAL is lost (Airbyte then resyncs)
      --skip-retire-source  destroy: do not run `npm run orchestrator -- retire-source --confirm`
      --skip-airbyte        destroy: leave <env>-airbyte alone (its workspace, source and
                            connection live on the host, which destroying <env>-aws removes);
                            diff: do not plan <env>-airbyte
      --lock=false          diff: plan without taking the state lock (pull request plans
                            neither wait on nor strand a deploy's lock)
      --refresh=false       diff: plan against the recorded state without reading the
                            resources (a plan role reads no secret values)
      --confirm-persistent  destroy: needed for an environment that is not ephemeral
  -h, --help                show this help

Needs Node.js with `npm install` done (cdktf CLI), Terraform >= 1.10, the AWS CLI v2 with
working credentials (and the Session Manager plugin, for the tunnel; kubectl and an access entry
on the cluster, for eks-helm), and Google credentials (GOOGLE_APPLICATION_CREDENTIALS or
`gcloud auth application-default login`).
USAGE
}

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source-path=SCRIPTDIR source=lib/cli.sh
source "$root/scripts/lib/cli.sh"
# shellcheck source-path=SCRIPTDIR source=lib/naming.sh
source "$root/scripts/lib/naming.sh"
# shellcheck source-path=SCRIPTDIR source=lib/airbyte-host.sh
source "$root/scripts/lib/airbyte-host.sh"

command_name="" env_name="" health_timeout="" tunnel_port=8000
skip_retire=false skip_airbyte=false confirm_persistent=false plan_lock=true plan_refresh=true
skip_prepare=false recreate_lost_slot=false
[ $# -gt 0 ] || { usage >&2; exit 2; }
while [ $# -gt 0 ]; do
  case $1 in
    -h|--help) usage; exit 0 ;;
    --health-timeout) need_value "$@"; health_timeout=$2; shift 2 ;;
    --tunnel-port) need_value "$@"; tunnel_port=$2; shift 2 ;;
    --skip-retire-source) skip_retire=true; shift ;;
    --skip-prepare-source) skip_prepare=true; shift ;;
    --recreate-lost-slot) recreate_lost_slot=true; shift ;;
    --skip-airbyte) skip_airbyte=true; shift ;;
    --confirm-persistent) confirm_persistent=true; shift ;;
    --lock=false) plan_lock=false; shift ;;
    --refresh=false) plan_refresh=false; shift ;;
    -*) unknown_option "$1" ;;
    *)
      if [ -z "$command_name" ]; then command_name=$1
      elif [ -z "$env_name" ]; then env_name=$1
      else usage_error "unexpected argument '$1'"
      fi
      shift ;;
  esac
done
case $command_name in
  deploy|diff|destroy|affected) [ -n "$env_name" ] || usage_error "$command_name needs $([ "$command_name" = affected ] && echo 'a git ref, e.g. origin/main' || echo 'an environment, e.g. dev or pr-123')" ;;
  stale-ephemeral) [ -z "$env_name" ] || usage_error "stale-ephemeral takes no environment" ;;
  *) usage_error "unknown command '$command_name'; expected deploy, diff, destroy, affected or stale-ephemeral" ;;
esac
if [ -n "$health_timeout" ] && ! [[ $health_timeout =~ ^[0-9]+$ ]]; then usage_error "--health-timeout must be a number of seconds, got '$health_timeout'"; fi
require_port --tunnel-port "$tunnel_port"
health_interval=${STACK_HEALTH_INTERVAL:-15}
outdir=${CDKTF_OUTDIR:-$root/cdktf.out}

checked_in_environments() {
  local file
  for file in config/environments/*.ts; do basename "$file" .ts; done
}

# ---- affected ---------------------------------------------------------------------------------
# Which plans a change can alter: an environment file alters that environment; documentation,
# tests, workflows and operator scripts alter none; anything else (stacks, constructs, shared
# config, the orchestrator bundle, bindings) may alter them all.
affected() {
  local base=$1 files file envs=() all=false name
  files=$(git diff --name-only "$base"...HEAD 2>/dev/null) \
    || die "cannot compare with '$base' (git diff $base...HEAD failed; in CI check out with fetch-depth: 0)"
  local known
  known=$(checked_in_environments)
  while IFS= read -r file; do
    [ -n "$file" ] || continue
    case $file in
      config/environments/*.ts)
        name=$(basename "$file" .ts)
        if grep -qx "$name" <<<"$known"; then envs+=("$name"); else all=true; fi ;;
      # The bootstrap stack's own files (its stack, constructs and permission data) alter no environment.
      *.md|__tests__/*|.github/*|.ci/*|scripts/*|.gitignore|LICENSE*) ;;
      config/bootstrap.ts|stacks/bootstrap-stack.ts|stacks/deploy-permissions.ts|stacks/eks-deploy-permissions.ts|stacks/iam-statement.ts|constructs/github-oidc-role.ts|constructs/github-workload-identity.ts) ;;
      *) all=true ;;
    esac
  done <<<"$files"
  if $all; then
    envs=()
    while IFS= read -r name; do envs+=("$name"); done <<<"$known"
  fi
  local json="" seen=" "
  for name in ${envs[@]+"${envs[@]}"}; do
    case $seen in *" $name "*) continue ;; esac
    seen="$seen$name "
    json="$json${json:+,}{\"environment\":\"$name\",\"key\":\"$(tr 'a-z-' 'A-Z_' <<<"$name")\"}"
  done
  echo "[$json]"
}

if [ "$command_name" = affected ]; then
  affected "$env_name"
  exit 0
fi

# ---- prerequisites ----------------------------------------------------------------------------
cdktf_cmd=()
require_tools() {
  command -v node >/dev/null || die "Node.js is not installed or not on PATH (Node.js 20 or later)"
  if command -v cdktf >/dev/null; then cdktf_cmd=(cdktf)
  elif [ -x "$root/node_modules/.bin/cdktf" ]; then cdktf_cmd=("$root/node_modules/.bin/cdktf")
  else die "the cdktf CLI is missing: run 'npm install' in $root (it installs cdktf-cli)"
  fi
  command -v terraform >/dev/null \
    || die "Terraform is not installed or not on PATH; install Terraform 1.10 or later (the S3 backend uses use_lockfile)"
  local version
  version=$(terraform version -json 2>/dev/null | sed -n 's/.*"terraform_version": *"\([0-9][0-9.]*\)".*/\1/p' | head -n 1)
  [ -n "$version" ] || die "could not read the Terraform version ('terraform version -json' failed); Terraform 1.10 or later is needed"
  local major minor
  IFS=. read -r major minor _ <<<"$version"
  if [ "$major" -lt 1 ] || { [ "$major" -eq 1 ] && [ "$minor" -lt 10 ]; }; then
    die "Terraform $version is too old: 1.10 or later is needed (the S3 backend uses use_lockfile)"
  fi
  command -v aws >/dev/null || die "the AWS CLI (v2) is not installed or not on PATH"
}

aws_account=""
check_aws_credentials() {
  local out
  if ! out=$(aws sts get-caller-identity --query Account --output text 2>&1); then
    die "no usable AWS credentials ('aws sts get-caller-identity' failed: $(head -n 1 <<<"$out")). Locally: set AWS_PROFILE or run 'aws sso login'. In GitHub Actions: the job needs 'permissions: id-token: write' and aws-actions/configure-aws-credentials with the environment's AWS_DEPLOY_ROLE_ARN"
  fi
  aws_account=$(tr -d '[:space:]' <<<"$out")
  log "AWS account $aws_account"
}

check_gcp_credentials() {
  if [ -n "${GOOGLE_APPLICATION_CREDENTIALS:-}" ]; then
    [ -r "$GOOGLE_APPLICATION_CREDENTIALS" ] \
      || die "GOOGLE_APPLICATION_CREDENTIALS is set to '$GOOGLE_APPLICATION_CREDENTIALS', which is not a readable file"
    return
  fi
  [ -z "${GOOGLE_OAUTH_ACCESS_TOKEN:-}" ] || return 0
  command -v gcloud >/dev/null \
    || die "no Google credentials: set GOOGLE_APPLICATION_CREDENTIALS, or install the gcloud CLI and run 'gcloud auth application-default login'. In GitHub Actions: google-github-actions/auth with the environment's GCP_WORKLOAD_IDENTITY_PROVIDER and GCP_DEPLOY_SERVICE_ACCOUNT"
  # The token goes to /dev/null: only whether one can be minted matters.
  gcloud auth application-default print-access-token >/dev/null 2>&1 \
    || die "no Google application-default credentials: run 'gcloud auth application-default login' (or set GOOGLE_APPLICATION_CREDENTIALS)"
}

# ---- environment, synth -----------------------------------------------------------------------
select_environment() {
  [[ $env_name =~ $ENVIRONMENT_NAME_PATTERN ]] || usage_error "'$env_name' is not an environment name (lowercase letters, digits, hyphens)"
  ephemeral=false
  if is_ephemeral_environment "$env_name"; then
    ephemeral=true
    export EPHEMERAL_ENV=$env_name
  else
    grep -qx -- "$env_name" <<<"$(checked_in_environments)" \
      || die "unknown environment '$env_name': expected one of $(checked_in_environments | paste -sd, -) or an ephemeral name (pr-<number>, test-<word>)"
    unset EPHEMERAL_ENV
  fi
  # Synthesize only this environment: faster, and another environment's config cannot fail it.
  export ENVIRONMENTS=$env_name
  # Its stacks, named by the app's rule (config/naming.ts, through lib/naming.sh).
  aws_stack=$(stack_name "$env_name" aws) gcp_stack=$(stack_name "$env_name" gcp)
  kubernetes_stack=$(stack_name "$env_name" kubernetes) airbyte_stack=$(stack_name "$env_name" airbyte)
}

stack_json() { echo "$outdir/stacks/$1/cdk.tf.json"; }

# The hosting mode is read from the synthesized stacks: eks-helm environments have a kubernetes stack.
has_kubernetes_stack() { [ -f "$(stack_json "$kubernetes_stack")" ]; }
airbyte_where() { if has_kubernetes_stack; then echo "the $env_name cluster"; else echo "the $env_name host"; fi; }

# Prints the value of a small JavaScript expression over the stack's JSON (`j`).
stack_query() {
  node -e 'const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); const v = (0, eval)("(j) => " + process.argv[2])(j); if (v !== undefined) console.log(v);' "$(stack_json "$1")" "$2"
}

synth() {
  log "synthesizing $env_name (cdktf synth)"
  "${cdktf_cmd[@]}" synth --output "$outdir" || die "cdktf synth failed for $env_name (see the messages above)"
  local stack
  for stack in "$aws_stack" "$gcp_stack" "$airbyte_stack"; do
    [ -f "$(stack_json "$stack")" ] || die "synth produced no stack $stack in $outdir (is '$env_name' selected by config/index.ts?)"
  done
}

check_target_account() {
  local allowed
  allowed=$(stack_query "$aws_stack" '((j.provider?.aws ?? [])[0]?.allowed_account_ids ?? []).join(" ")')
  if [ -n "$allowed" ] && ! grep -qw -- "$aws_account" <<<"$allowed"; then
    die "these AWS credentials are for account $aws_account, but $env_name may only be deployed to: $allowed"
  fi
}

check_remote_state() {
  local backend
  backend=$(stack_query "$aws_stack" 'Object.keys(j.terraform?.backend ?? {local: {}})[0]')
  if [ "$backend" = local ] && [ -n "${CI:-}" ]; then
    die "$env_name keeps its Terraform state on local disk, which a CI runner throws away: set backend: { type: 's3', bucket, region } in config/environments (the bootstrap stack creates the bucket)"
  fi
}

run_cdktf() {
  local action=$1 stack=$2 extra=()
  [ "$action" = diff ] || extra=(--auto-approve)
  log "cdktf $action $stack"
  # One stack at a time, in our order: the dependency check would otherwise want all three.
  "${cdktf_cmd[@]}" "$action" "$stack" --skip-synth --output "$outdir" --ignore-missing-stack-dependencies ${extra[@]+"${extra[@]}"}
}

# ---- tunnel to Airbyte ------------------------------------------------------------------------
tunnel_pid="" tunnel_log=""
stop_tunnel() {
  if [ -n "$tunnel_pid" ]; then
    # tunnel.sh execs the AWS CLI, whose Session Manager plugin is its child.
    pkill -P "$tunnel_pid" 2>/dev/null || true
    kill "$tunnel_pid" 2>/dev/null || true
    wait "$tunnel_pid" 2>/dev/null || true
    tunnel_pid=""
  fi
}
cleanup() {
  stop_tunnel
  [ -z "$tunnel_log" ] || rm -f "$tunnel_log"
  [ -z "${kube_dir:-}" ] || rm -rf "$kube_dir"
}
trap cleanup EXIT

start_tunnel() {
  [ -n "$tunnel_log" ] || tunnel_log=$(mktemp "${TMPDIR:-/tmp}/stack-tunnel.XXXXXX")
  local mode=()
  if has_kubernetes_stack; then
    mode=(--mode eks-helm
      --cluster "$(stack_query "$aws_stack" 'Object.values(j.resource?.aws_eks_cluster ?? {})[0]?.name')"
      --namespace "$(stack_query "$kubernetes_stack" 'String(j.output?.airbyte_server_service?.value ?? "airbyte/").split("/")[0]')")
  fi
  "$root/scripts/tunnel.sh" --local-port "$tunnel_port" ${mode[@]+"${mode[@]}"} "$env_name" >>"$tunnel_log" 2>&1 &
  tunnel_pid=$!
}

# Keeps a tunnel up (restarting it: SSM may not know a new host yet) until Airbyte's health
# endpoint answers through it, or the timeout passes.
wait_for_airbyte() {
  local timeout=$1 deadline=$((SECONDS + $1))
  log "waiting up to ${timeout}s for Airbyte on $(airbyte_where) (tunnel on localhost:$tunnel_port)"
  while :; do
    if [ -z "$tunnel_pid" ] || ! kill -0 "$tunnel_pid" 2>/dev/null; then
      if [ -n "$tunnel_pid" ]; then wait "$tunnel_pid" 2>/dev/null || true; fi
      start_tunnel
    fi
    if curl -fsS --max-time 5 -o /dev/null "http://localhost:$tunnel_port/api/public/v1/health" 2>/dev/null; then
      log "Airbyte answers on $(airbyte_where)"
      return 0
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      if [ -s "$tunnel_log" ]; then log "last tunnel messages:"; tail -n 5 "$tunnel_log" | sed 's/^/  /' >&2; fi
      return 1
    fi
    sleep "$health_interval"
  done
}

# Whether the environment's EKS cluster exists (a kubernetes stack can only be planned or
# destroyed through it).
cluster_exists() {
  local cluster
  cluster=$(stack_query "$aws_stack" 'Object.values(j.resource?.aws_eks_cluster ?? {})[0]?.name')
  [ -n "$cluster" ] && aws eks describe-cluster --name "$cluster" --query cluster.status --output text >/dev/null 2>&1
}

# ---- GCP organisation policy ------------------------------------------------------------------
# The GCP stack creates a service-account key (and, with GCS staging, an HMAC key) for Airbyte.
# Organisations with these constraints refuse both, half-way through an apply: say so first.
KEY_CONSTRAINTS=(iam.disableServiceAccountKeyCreation iam.managed.disableServiceAccountKeyCreation)
check_gcp_key_policy() {
  local project constraint out
  project=$(stack_query "$gcp_stack" '(j.provider?.google ?? [])[0]?.project')
  if ! command -v gcloud >/dev/null; then
    log "warning: without the gcloud CLI the organisation policy ${KEY_CONSTRAINTS[0]} of project $project is not checked"
    return 0
  fi
  for constraint in "${KEY_CONSTRAINTS[@]}"; do
    if ! out=$(gcloud org-policies describe "$constraint" --effective --project "$project" --format=json 2>&1); then
      log "warning: could not read the organisation policy $constraint of project $project ($(head -n 1 <<<"$out")); not checked"
      continue
    fi
    if grep -Eq '"enforce": *true' <<<"$out"; then
      die "the GCP organisation policy $constraint is enforced on project $project: it refuses the service-account key (and HMAC key) that $gcp_stack creates for Airbyte's BigQuery destination. Nothing was applied. Ask an organisation policy administrator for an exception on project $project (README, \"GCP organisations that forbid service-account keys\"), then rerun"
    fi
  done
}

# ---- commands on the host (SSM Run Command) ---------------------------------------------------
aws_args=()
json_field() { node -e 'const v = JSON.parse(require("fs").readFileSync(0, "utf8"))[process.argv[1]]; if (v !== undefined && v !== null) process.stdout.write(String(v));' "$1"; }

# Runs a shell command on the environment's host as root, prints its output, and returns its exit
# status (1 when it did not run to the end). The command text carries no secret: the host reads
# its own secrets.
on_host() {
  local what=$1 command=$2 instance id out status rc deadline=$((SECONDS + 3600))
  instance=$(find_airbyte_host "$env_name") || exit 1
  log "$what on $instance (SSM Run Command)"
  id=$(aws ${aws_args[@]+"${aws_args[@]}"} ssm send-command --instance-ids "$instance" --document-name AWS-RunShellScript \
    --comment "$what ($env_name)" --parameters "{\"commands\":[\"$command\"],\"executionTimeout\":[\"3600\"]}" \
    --query Command.CommandId --output text) || die "could not send '$what' to $instance (check ssm:SendCommand for the deploy role)"
  while :; do
    # Right after send-command the invocation may not exist yet (InvocationDoesNotExist).
    if out=$(aws ${aws_args[@]+"${aws_args[@]}"} ssm get-command-invocation --command-id "$id" --instance-id "$instance" --output json 2>/dev/null); then
      status=$(json_field Status <<<"$out")
      case $status in Pending|InProgress|Delayed) ;; *) break ;; esac
    fi
    [ "$SECONDS" -lt "$deadline" ] || die "'$what' on $instance did not finish within 3600s (command $id)"
    sleep "$health_interval"
  done
  json_field StandardOutputContent <<<"$out"
  json_field StandardErrorContent <<<"$out" >&2
  rc=$(json_field ResponseCode <<<"$out")
  log "$what: $status (exit ${rc:-?})"
  [ "$status" = Success ] && return 0
  [[ $rc =~ ^[0-9]+$ ]] && [ "$rc" -gt 0 ] && return "$rc"
  return 1
}

# ---- commands in the cluster (kubectl, eks-helm) ----------------------------------------------
kube_dir=""
# A kubeconfig of our own, in a temporary directory (the user's ~/.kube/config is left alone). Its
# user runs `aws eks get-token` for every call, like the helm and kubernetes providers: no secret in it.
kube_login() {
  [ -z "$kube_dir" ] || return 0
  local cluster
  cluster=$(stack_query "$aws_stack" 'Object.values(j.resource?.aws_eks_cluster ?? {})[0]?.name')
  kube_dir=$(mktemp -d "${TMPDIR:-/tmp}/stack-kube.XXXXXX")
  aws ${aws_args[@]+"${aws_args[@]}"} eks update-kubeconfig --name "$cluster" --kubeconfig "$kube_dir/config" >/dev/null \
    || die "could not get a kubeconfig for the EKS cluster $cluster ('aws eks update-kubeconfig' failed; does this role have an access entry on the cluster, and does it reach the endpoint?)"
}
kube() { kubectl --kubeconfig "$kube_dir/config" "$@"; }

# kubectl wait exits 1 both when its time is up and when it cannot ask (the API unreachable, no
# permission): only the first means "not finished yet". $1: its output, $2: the Job.
wait_timed_out() {
  case $1 in *"timed out waiting for the condition"*) return 0 ;; esac
  log "cannot follow the Job $2: $(tail -n 1 <<<"$1")"
  return 1
}

# Runs the source preparation Job of <env>-kubernetes, with "$@" added to prepare-source's
# arguments, and returns its exit code (1 when it did not run to the end). The Job is a copy of a
# suspended CronJob's template (logins from a Kubernetes secret: no secret on any command line here).
prepare_source_in_cluster() {
  local ns cron deadline job manifest give_up outcome="" out rc reason
  read -r ns cron deadline <<<"$(stack_query "$kubernetes_stack" '[j.output?.source_preparation?.value].filter(Boolean).map((o) => [o.namespace, o.cron_job, o.active_deadline_seconds].join(" "))[0]')"
  [ -n "${cron:-}" ] || die "$kubernetes_stack has no source_preparation output: synthesize it with this version of the project"
  kube_login
  # Two preparations at once would race on the slot and the publication: a Job left running by an
  # interrupted deploy is waited for by hand, not run beside. Jobs made from the template carry its
  # labels (create_job.go copies jobTemplate.metadata); status.active counts their running pods.
  local running
  running=$(kube --namespace "$ns" get jobs -l "app.kubernetes.io/name=$cron" -o 'jsonpath={range .items[?(@.status.active)]}{.metadata.name}{" "}{end}') \
    || die "could not list the Jobs of cronjob/$cron in namespace $ns of the $env_name cluster (is $kubernetes_stack applied?)"
  [ -z "${running// /}" ] \
    || die "a source preparation Job is still running in the $env_name cluster: ${running% }. Wait for it ('kubectl -n $ns wait --for=condition=complete job/${running%% *}') or delete it, then rerun 'scripts/stack.sh deploy $env_name'. $airbyte_stack was not deployed"
  job="$cron-$(date -u +%Y%m%d-%H%M%S)"
  log "prepare the source: Job $job from cronjob/$cron in the $env_name cluster (namespace $ns)"
  # `kubectl create job --from=cronjob/<name>` copies the CronJob's jobTemplate and makes the CronJob
  # its owner (kubectl pkg/cmd/create/create_job.go). --dry-run=client only prints that Job, so
  # --recreate-lost-slot can be added to the container's args before it is created.
  manifest=$(kube --namespace "$ns" create job "$job" --from="cronjob/$cron" --dry-run=client -o json) \
    || die "could not read cronjob/$cron in namespace $ns of the $env_name cluster (is $kubernetes_stack applied?)"
  node -e '
    const job = JSON.parse(require("fs").readFileSync(0, "utf8"));
    const container = job.spec.template.spec.containers.find((c) => c.name === "prepare-source");
    if (!container) { console.error("the Job has no prepare-source container"); process.exit(1); }
    if (process.argv.length > 1) container.args = [...(container.args ?? []), ...process.argv.slice(1)];
    process.stdout.write(JSON.stringify(job));' -- "$@" <<<"$manifest" \
    | kube --namespace "$ns" create -f - >&2 \
    || die "could not create the Job $job in namespace $ns of the $env_name cluster (kubectl create failed, see above)"
  # `kubectl wait` waits for one condition; a Job ends Complete or Failed. The OR of both is a loop
  # of short waits, as `kubectl wait --help` shows for pods. activeDeadlineSeconds makes Kubernetes
  # fail the Job; our own bound only guards against a Job that never reports.
  give_up=$((SECONDS + ${deadline:-1800} + 300))
  while :; do
    if out=$(kube --namespace "$ns" wait "job/$job" --for=condition=Complete --timeout="${health_interval}s" 2>&1); then outcome=Complete; break; fi
    wait_timed_out "$out" "$job" || return 1
    if out=$(kube --namespace "$ns" wait "job/$job" --for=condition=Failed --timeout=0s 2>&1); then outcome=Failed; break; fi
    wait_timed_out "$out" "$job" || return 1
    if [ "$SECONDS" -ge "$give_up" ]; then
      log "the Job $job did not finish within $((${deadline:-1800} + 300))s; see 'kubectl -n $ns describe job/$job'"
      return 1
    fi
  done
  # The tool's own output, the init step's too (bundle check, CA download).
  kube --namespace "$ns" logs "job/$job" --all-containers=true \
    || log "could not read the logs of job/$job (its pod may be gone: 'kubectl -n $ns describe job/$job')"
  # backoffLimit 0 and restartPolicy Never: one pod, and its prepare-source container's exit code is
  # the answer (Pod status: containerStatuses[].state.terminated.exitCode; kubectl JSONPath filter syntax).
  rc=$(kube --namespace "$ns" get pods -l "batch.kubernetes.io/job-name=$job" \
    -o jsonpath='{.items[*].status.containerStatuses[?(@.name=="prepare-source")].state.terminated.exitCode}') || rc=""
  rc=${rc##* }
  if [ "$outcome" = Complete ]; then
    log "prepare the source: Complete (exit ${rc:-0})"
    return 0
  fi
  reason=$(kube --namespace "$ns" get "job/$job" -o jsonpath='{.status.conditions[?(@.type=="Failed")].reason}') || reason=""
  log "prepare the source: Failed (${reason:-no reason given}, exit ${rc:-?})"
  [[ $rc =~ ^[0-9]+$ ]] && [ "$rc" -gt 0 ] && return "$rc"
  return 1
}

# Login, grants, publication, slot and heartbeat on the source, before <env>-airbyte: creating the
# connection makes Airbyte discover the source right away, as that login. On the host through SSM
# Run Command, in the cluster as a Job: the same prepare-source, the same exit codes.
prepare_source() {
  if $skip_prepare; then
    log "source preparation skipped (--skip-prepare-source)"
    return 0
  fi
  local args="" rc=0
  if $recreate_lost_slot; then args=" --recreate-lost-slot"; fi
  if has_kubernetes_stack; then
    # shellcheck disable=SC2086 # $args is one flag or nothing
    prepare_source_in_cluster $args || rc=$?
  else
    # The boot writes cdc-prepare-source right after Airbyte answers: give it a moment.
    on_host "prepare the source" "for i in \$(seq 1 60); do [ -x /usr/local/bin/cdc-prepare-source ] && break; sleep 5; done; /usr/local/bin/cdc-prepare-source$args" || rc=$?
  fi
  case $rc in
    0) ;;
    2) log "the source needs a person (see the messages above): $airbyte_stack was not deployed. Fix it, then rerun 'scripts/stack.sh deploy $env_name'"; exit 2 ;;
    *) die "preparing the source failed (exit $rc): $airbyte_stack was not deployed. See the messages above, then rerun 'scripts/stack.sh deploy $env_name'" ;;
  esac
}

# After <env>-airbyte: the orchestrator reads its configuration (and, on a host, installs the
# release) when it starts.
restart_orchestrator() {
  if has_kubernetes_stack; then
    local ns name
    IFS=/ read -r ns name <<<"$(stack_query "$kubernetes_stack" 'j.output?.orchestrator_deployment?.value')"
    [ -n "${name:-}" ] || die "$kubernetes_stack has no orchestrator_deployment output: synthesize it with this version of the project"
    kube_login
    log "restart the orchestrator: deployment/$name in the $env_name cluster (namespace $ns)"
    # Its init step reads the parameter <env>-airbyte has just written; until now it was retrying with back-off.
    { kube --namespace "$ns" rollout restart "deployment/$name" && kube --namespace "$ns" rollout status "deployment/$name" --timeout=600s; } >&2 \
      || die "restarting deployment/$name in namespace $ns failed; the stacks are deployed. See 'kubectl -n $ns get pods -l app.kubernetes.io/name=$name' and 'kubectl -n $ns logs deployment/$name --all-containers', then 'kubectl -n $ns rollout restart deployment/$name'"
  else
    on_host "restart the orchestrator" "systemctl restart cdc-orchestrator" \
      || die "restarting cdc-orchestrator on the $env_name host failed; the stacks are deployed. Check 'journalctl -u cdc-orchestrator' on the host"
  fi
}

# ---- commands ---------------------------------------------------------------------------------
# Tools, credentials, one synth, then the checks that read the synthesized stacks.
preflight() {
  require_tools
  check_aws_credentials
  check_gcp_credentials
  synth
  check_target_account
  check_remote_state
}

prepare() {
  select_environment
  preflight
}

deploy() {
  prepare
  if has_kubernetes_stack; then
    command -v kubectl >/dev/null \
      || die "kubectl is not installed or not on PATH: $env_name runs Airbyte on EKS, and the deploy reaches it, prepares the source and restarts the orchestrator with kubectl. Nothing was applied"
  fi
  check_gcp_key_policy
  aws_args=(--region "$(stack_query "$aws_stack" '(j.provider?.aws ?? [])[0]?.region')")
  run_cdktf deploy "$aws_stack" || die "deploying $aws_stack failed; nothing after it was applied"
  run_cdktf deploy "$gcp_stack" || die "deploying $gcp_stack failed ($aws_stack is applied); fix and rerun 'scripts/stack.sh deploy $env_name'"
  local applied="$aws_stack and $gcp_stack" follow="Follow the host's boot with scripts/boot-log.sh $env_name"
  if has_kubernetes_stack; then
    run_cdktf deploy "$kubernetes_stack" \
      || die "deploying $kubernetes_stack failed ($applied are applied); see 'kubectl -n <namespace> get pods' through 'aws eks update-kubeconfig', fix and rerun 'scripts/stack.sh deploy $env_name'"
    applied="$aws_stack, $gcp_stack and $kubernetes_stack" follow="Check the pods with kubectl (aws eks update-kubeconfig --name <cluster>)"
  fi
  wait_for_airbyte "${health_timeout:-2400}" \
    || die "Airbyte on $(airbyte_where) did not answer within ${health_timeout:-2400}s ($applied are applied). $follow, then rerun 'scripts/stack.sh deploy $env_name'"
  prepare_source
  run_cdktf deploy "$airbyte_stack" || die "deploying $airbyte_stack failed; fix and rerun 'scripts/stack.sh deploy $env_name'"
  stop_tunnel
  restart_orchestrator
  log "deployed $aws_stack, $gcp_stack,$(has_kubernetes_stack && echo " $kubernetes_stack,") $airbyte_stack"
}

diff_environment() {
  prepare
  # cdktf diff runs `terraform plan`, which adds TF_CLI_ARGS_plan to its arguments.
  local failed=() plan_args=()
  $plan_lock || plan_args+=(-lock=false)
  $plan_refresh || plan_args+=(-refresh=false)
  if [ ${#plan_args[@]} -gt 0 ]; then
    export TF_CLI_ARGS_plan="${TF_CLI_ARGS_plan:+$TF_CLI_ARGS_plan }${plan_args[*]}"
    log "terraform plan with ${plan_args[*]}"
  fi
  run_cdktf diff "$aws_stack" || failed+=("$aws_stack")
  run_cdktf diff "$gcp_stack" || failed+=("$gcp_stack")
  if ! has_kubernetes_stack; then
    :
  elif $skip_airbyte; then
    echo "$kubernetes_stack: not planned (--skip-airbyte): like $airbyte_stack, its plan reads secret values (the chart's database login, the API credentials); the deploy plans and applies it"
  elif cluster_exists; then
    run_cdktf diff "$kubernetes_stack" || failed+=("$kubernetes_stack")
  else
    echo "$kubernetes_stack: not planned: the $env_name EKS cluster does not exist yet (the deploy applies $aws_stack first)"
  fi
  if $skip_airbyte; then
    echo "$airbyte_stack: not planned (--skip-airbyte): its plan reads the Airbyte API credentials through an SSM session; the deploy plans and applies it"
  elif wait_for_airbyte "${health_timeout:-300}"; then
    run_cdktf diff "$airbyte_stack" || failed+=("$airbyte_stack")
  else
    echo "$airbyte_stack: not planned: Airbyte on $(airbyte_where) does not answer through the tunnel (before the first deploy it does not exist; the deploy applies the other stacks, waits for Airbyte, then $airbyte_stack)"
  fi
  stop_tunnel
  [ ${#failed[@]} -eq 0 ] || die "plan failed for: ${failed[*]}"
}

destroy() {
  select_environment
  if ! $ephemeral && ! $confirm_persistent; then
    die "refusing to destroy '$env_name', which is not an ephemeral environment: lift deletion protection in config/environments/$env_name.ts, then rerun with --confirm-persistent"
  fi
  preflight

  if $skip_retire; then
    log "retire-source skipped (--skip-retire-source)"
  elif [ "$(stack_query "$aws_stack" 'Object.keys(j.resource?.aws_db_instance ?? {}).length')" != 0 ]; then
    log "retire-source not needed: $env_name has its own database, and its replication slot goes with it"
  else
    # The publication belongs to the admin login that prepare-source ran as, and the database is
    # private: the caller provides a URL that reaches it (e.g. an SSM port forward through the host).
    [ -n "${SOURCE_DATABASE_URL:-}" ] \
      || die "the source database is shared, so $env_name's replication slot must be dropped first: set SOURCE_DATABASE_URL to an admin login of that database reachable from here (e.g. aws ssm start-session --target <airbyte host> --document-name AWS-StartPortForwardingSessionToRemoteHost --parameters host=<db address>,portNumber=5432,localPortNumber=15432), or drop the slot by hand and rerun with --skip-retire-source"
    log "the source database is shared: dropping $env_name's replication slot (npm run orchestrator -- retire-source --confirm)"
    CDC_ENVIRONMENT=$env_name npm run --silent orchestrator -- retire-source --confirm \
      || die "retire-source failed, so nothing was destroyed: an orphaned slot keeps WAL on the shared source. Fix it, or drop the slot by hand and rerun with --skip-retire-source"
  fi

  # The Airbyte stack's objects (workspace, source, connection) live on the host: with no host
  # they are gone already, and with an empty state there is nothing to destroy. Only a live host
  # with recorded objects needs Airbyte to answer.
  local abandoned="" airbyte_resources=""
  # Read outside the `if`, where a failed read stops the script instead of counting as "not 0".
  $skip_airbyte || airbyte_resources=$(state_resources "$airbyte_stack")
  if $skip_airbyte; then
    log "$airbyte_stack left alone (--skip-airbyte): its objects live on the host that $aws_stack removes"
    abandoned=$airbyte_stack
  elif [ "$airbyte_resources" = 0 ]; then
    log "$airbyte_stack not destroyed: its state holds no resources (never deployed, e.g. the host never came up, or already destroyed)"
  elif has_kubernetes_stack && ! cluster_exists; then
    log "$airbyte_stack not destroyed: the $env_name EKS cluster is gone, and its objects lived in that Airbyte"
    abandoned=$airbyte_stack
  elif ! has_kubernetes_stack && ! airbyte_host_exists; then
    log "$airbyte_stack not destroyed: no $env_name host exists, and its objects lived on that host"
    abandoned=$airbyte_stack
  else
    wait_for_airbyte "${health_timeout:-300}" \
      || die "cannot reach Airbyte on $(airbyte_where) to destroy $airbyte_stack. If it is broken, rerun with --skip-airbyte (the Airbyte objects live in Airbyte's own database and go with it)"
    run_cdktf destroy "$airbyte_stack" || die "destroying $airbyte_stack failed; $gcp_stack and $aws_stack are untouched"
    stop_tunnel
  fi
  if ! has_kubernetes_stack; then
    :
  elif cluster_exists; then
    run_cdktf destroy "$kubernetes_stack" || die "destroying $kubernetes_stack failed; $gcp_stack and $aws_stack are untouched"
  else
    log "$kubernetes_stack not destroyed: its EKS cluster is gone, and what it installed went with it"
    abandoned="$abandoned $kubernetes_stack"
  fi
  run_cdktf destroy "$gcp_stack" || die "destroying $gcp_stack failed; $aws_stack is untouched"
  run_cdktf destroy "$aws_stack" || die "destroying $aws_stack failed"
  remove_state "$abandoned"
  log "destroyed $env_name"
}

# ---- Terraform state --------------------------------------------------------------------------
backend_of() { stack_query "$1" 'Object.keys(j.terraform?.backend ?? {local: {}})[0]'; }

# Managed resources with at least one instance in a state file (data sources do not count).
count_state_file() {
  node -e 'const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8") || "{}"); console.log((s.resources ?? []).filter((r) => r.mode === "managed" && (r.instances ?? []).length > 0).length);' "$1"
}

# Resources recorded in s3://<bucket>/<key>: 0 when the object does not exist.
s3_state_resources() {
  local bucket=$1 key=$2 file err count
  file=$(mktemp "${TMPDIR:-/tmp}/stack-state.XXXXXX")
  err=$(mktemp "${TMPDIR:-/tmp}/stack-state-err.XXXXXX")
  if aws s3api get-object --bucket "$bucket" --key "$key" "$file" >/dev/null 2>"$err"; then
    count=$(count_state_file "$file") || { rm -f "$file" "$err"; die "s3://$bucket/$key is not a Terraform state file"; }
  elif grep -q NoSuchKey "$err"; then
    count=0
  else
    cat "$err" >&2; rm -f "$file" "$err"
    die "could not read the Terraform state s3://$bucket/$key (check the role's s3:GetObject and kms:Decrypt on the state key)"
  fi
  rm -f "$file" "$err"
  echo "$count"
}

# Resources recorded in a synthesized stack's state, wherever its backend keeps it.
state_resources() {
  local stack=$1 file
  if [ "$(backend_of "$stack")" = s3 ]; then
    s3_state_resources "$(stack_query "$stack" 'j.terraform.backend.s3.bucket')" "$(stack_query "$stack" 'j.terraform.backend.s3.key')"
  else
    file="$outdir/stacks/$stack/$(stack_query "$stack" 'j.terraform.backend.local.path')"
    if [ -f "$file" ]; then count_state_file "$file"; else echo 0; fi
  fi
}

# Any instance of the environment's host that is not terminated (a stopped host still holds Airbyte).
airbyte_host_exists() {
  local found
  found=$(list_airbyte_hosts "$env_name" pending,running,stopping,stopped) \
    || die "could not list instances to find the $env_name host (check the role's ec2:DescribeInstances)"
  [ -n "$(tr -d '[:space:]' <<<"${found/None/}")" ]
}

# After a destroy: delete the environment's state objects, so the sweep and later deploys see
# nothing left, but only when every one of them is empty (a stack this script does not destroy
# keeps its state). $1 names a stack whose remaining records went with the host.
remove_state() {
  local abandoned=$1 bucket prefix keys key count kept=()
  if [ "$(backend_of "$aws_stack")" != s3 ]; then
    log "$env_name's state is local: its files stay ($(stack_query "$aws_stack" 'j.terraform.backend.local.path') and siblings)"
    return 0
  fi
  bucket=$(stack_query "$aws_stack" 'j.terraform.backend.s3.bucket')
  prefix=$(stack_query "$aws_stack" 'j.terraform.backend.s3.key.split("/").slice(0, -1).join("/")')
  keys=$(aws s3api list-objects-v2 --bucket "$bucket" --prefix "$prefix/" --query 'Contents[].Key' --output text) \
    || die "could not list $env_name's state in s3://$bucket/$prefix/ (check the role's s3:ListBucket)"
  for key in $(tr -s '[:space:]' '\n' <<<"${keys/None/}"); do
    case $key in *.tfstate) ;; *) continue ;; esac
    # shellcheck disable=SC2086 # a space-separated list of stack names
    case " $(printf '%s.tfstate ' $abandoned)" in *" ${key#"$prefix/"} "*) continue ;; esac
    count=$(s3_state_resources "$bucket" "$key")
    [ "$count" = 0 ] || kept+=("$key ($count resources)")
  done
  if [ ${#kept[@]} -gt 0 ]; then
    log "$env_name's state kept in s3://$bucket/$prefix/: still holds resources: ${kept[*]}"
    return 0
  fi
  aws s3 rm "s3://$bucket/$prefix/" --recursive >&2 \
    || die "$env_name is destroyed, but deleting its state s3://$bucket/$prefix/ failed (check the role's s3:DeleteObject); delete it by hand"
  log "deleted $env_name's state (s3://$bucket/$prefix/)"
}

# Ephemeral environments that still hold something: state objects that record resources (an
# emptied state left by a torn-down environment does not count), and resources tagged
# Ephemeral=true (which also finds environments whose state is gone).
stale_ephemeral() {
  env_name=$(pull_request_environment_name 0)
  select_environment
  require_tools
  command -v gh >/dev/null || die "the GitHub CLI (gh) is not installed or not on PATH"
  check_aws_credentials
  synth
  local names="" backend
  backend=$(stack_query "$aws_stack" 'Object.keys(j.terraform?.backend ?? {local: {}})[0]')
  if [ "$backend" = s3 ]; then
    local bucket prefix keys
    bucket=$(stack_query "$aws_stack" 'j.terraform.backend.s3.bucket')
    prefix=$(stack_query "$aws_stack" 'j.terraform.backend.s3.key.split("/").slice(0, -2).join("/")')
    keys=$(aws s3api list-objects-v2 --bucket "$bucket" --prefix "$prefix/" --delimiter / --query 'CommonPrefixes[].Prefix' --output text) \
      || die "could not list Terraform state in s3://$bucket/$prefix/ (check the role's s3:ListBucket)"
    local candidate key count held
    for candidate in $(tr -s '[:space:]' '\n' <<<"$keys" | sed -n "s|^$prefix/\([^/]*\)/\$|\1|p"); do
      [[ $candidate =~ $PULL_REQUEST_ENVIRONMENT_PATTERN ]] || continue
      keys=$(aws s3api list-objects-v2 --bucket "$bucket" --prefix "$prefix/$candidate/" --query 'Contents[].Key' --output text) \
        || die "could not list Terraform state in s3://$bucket/$prefix/$candidate/ (check the role's s3:ListBucket)"
      held=0
      for key in $(tr -s '[:space:]' '\n' <<<"${keys/None/}"); do
        case $key in *.tfstate) ;; *) continue ;; esac
        count=$(s3_state_resources "$bucket" "$key")
        held=$((held + count))
      done
      if [ "$held" -gt 0 ]; then
        names=$(printf '%s\n%s' "$names" "$candidate")
      else
        log "$candidate: its state records no resources (torn down)"
      fi
    done
  else
    log "ephemeral state is local (backend of pr-*), so only tagged resources are checked"
  fi
  local tagged
  # shellcheck disable=SC2016 # backquotes are JMESPath literals, not command substitution
  tagged=$(aws resourcegroupstaggingapi get-resources --tag-filters Key=Ephemeral,Values=true \
    --query 'ResourceTagMappingList[].Tags[?Key==`Environment`].Value[]' --output text) \
    || die "could not list resources tagged Ephemeral=true (check the role's tag:GetResources)"
  names=$(printf '%s\n%s\n' "$names" "$(tr -s '[:space:]' '\n' <<<"$tagged")" | grep -E "$PULL_REQUEST_ENVIRONMENT_PATTERN" | sort -u || true)

  local json="" name number state err
  err=$(mktemp "${TMPDIR:-/tmp}/stack-gh.XXXXXX")
  for name in $names; do
    [ "$name" != "$(pull_request_environment_name 0)" ] || continue
    number=${name#"$(pull_request_environment_name '')"}
    if state=$(gh api "repos/{owner}/{repo}/pulls/$number" --jq .state 2>"$err"); then
      :
    elif grep -q 'HTTP 404' "$err"; then
      state=gone
    else
      cat "$err" >&2; rm -f "$err"
      die "could not read the state of pull request #$number (gh api failed)"
    fi
    log "$name: pull request #$number is $state"
    [ "$state" = open ] || json="$json${json:+,}\"$name\""
  done
  rm -f "$err"
  echo "[$json]"
}

case $command_name in
  deploy) deploy ;;
  diff) diff_environment ;;
  destroy) destroy ;;
  stale-ephemeral) stale_ephemeral ;;
esac
