#!/bin/bash
# Port-forwards localhost to an environment's Airbyte: over SSM Session Manager to the host
# (ec2-abctl; the host has no inbound rules), or with kubectl port-forward to Airbyte's server
# service in the EKS cluster (eks-helm). Either way the UI and the <env>-airbyte stack find the
# API at http://localhost:<local-port>/api/public/v1.
set -euo pipefail
script_dir=${BASH_SOURCE[0]%/*}
[ "$script_dir" != "${BASH_SOURCE[0]}" ] || script_dir=.
# shellcheck source-path=SCRIPTDIR source=lib/cli.sh
source "$script_dir/lib/cli.sh"
# shellcheck source-path=SCRIPTDIR source=lib/naming.sh
source "$script_dir/lib/naming.sh"
# shellcheck source-path=SCRIPTDIR source=lib/airbyte-host.sh
source "$script_dir/lib/airbyte-host.sh"


usage() {
  cat <<'USAGE'
Usage: scripts/tunnel.sh [options] <environment>

Forwards localhost:<local-port> to the environment's Airbyte. ec2-abctl: port 8000 of its host
(the running EC2 instance tagged Environment=<environment> and Role=airbyte-host) through AWS
Systems Manager. eks-helm: `kubectl port-forward svc/airbyte-airbyte-server-svc` (port 8001) in
its EKS cluster, with a kubeconfig from `aws eks update-kubeconfig`. Keep it running while you
use the UI (http://localhost:<local-port>) or deploy the <environment>-airbyte stack (API at
http://localhost:<local-port>/api/public/v1). Ctrl-C stops it.

Options:
  -p, --local-port PORT   local port to listen on (default 8000; 8089 with --orchestrator)
      --remote-port PORT  port on the host or service (default: 8000 on the host, 8001 in the cluster)
      --orchestrator      forward to the orchestrator's status page, /healthz and /metrics
                          (port 8089 on the host, or of the cdc-orchestrator Deployment)
      --mode MODE         ec2-abctl or eks-helm (default: eks-helm when the synthesized stacks
                          in cdktf.out have <environment>-kubernetes, else ec2-abctl)
      --cluster NAME      eks-helm: the EKS cluster (default cdc-<environment>)
      --namespace NS      eks-helm: the namespace of the release (default: from cdktf.out, else airbyte)
  -i, --instance-id ID    ec2-abctl: use this instance instead of looking it up by tags
  -r, --region REGION     AWS region (default: AWS_REGION or your AWS CLI configuration)
      --profile PROFILE   AWS CLI profile (default: AWS_PROFILE or the default profile)
  -h, --help              show this help

Needs the AWS CLI v2. ec2-abctl: the Session Manager plugin, and permission for
ec2:DescribeInstances and ssm:StartSession (document AWS-StartPortForwardingSession) on the host.
eks-helm: kubectl, eks:DescribeCluster, and an access entry on the cluster for your role.
USAGE
}

local_port="" remote_port="" instance_id="" env_name="" mode="" cluster="" namespace="" orchestrator=false
aws_args=()
while [ $# -gt 0 ]; do
  case $1 in
    -h|--help) usage; exit 0 ;;
    -p|--local-port) need_value "$@"; local_port=$2; shift 2 ;;
    --remote-port) need_value "$@"; remote_port=$2; shift 2 ;;
    -i|--instance-id) need_value "$@"; instance_id=$2; shift 2 ;;
    --orchestrator) orchestrator=true; shift ;;
    --mode) need_value "$@"; mode=$2; shift 2 ;;
    --cluster) need_value "$@"; cluster=$2; shift 2 ;;
    --namespace) need_value "$@"; namespace=$2; shift 2 ;;
    -r|--region) need_value "$@"; aws_args+=(--region "$2"); shift 2 ;;
    --profile) need_value "$@"; aws_args+=(--profile "$2"); shift 2 ;;
    -*) unknown_option "$1" ;;
    *) set_environment_once "$1"; shift ;;
  esac
done
require_environment dev
if [ -z "$local_port" ]; then if $orchestrator; then local_port=8089; else local_port=8000; fi; fi
synthesized="${CDKTF_OUTDIR:-$script_dir/../cdktf.out}/stacks/$(stack_name "$env_name" kubernetes)/cdk.tf.json"
if [ -z "$mode" ]; then if [ -f "$synthesized" ]; then mode=eks-helm; else mode=ec2-abctl; fi; fi
case $mode in ec2-abctl|eks-helm) ;; *) usage_error "--mode must be ec2-abctl or eks-helm, got '$mode'" ;; esac
if [ -z "$remote_port" ]; then
  if $orchestrator; then remote_port=8089; elif [ "$mode" = eks-helm ]; then remote_port=8001; else remote_port=8000; fi
fi
require_port --local-port "$local_port"
require_port --remote-port "$remote_port"

command -v aws >/dev/null || die "the AWS CLI (v2) is not installed or not on PATH"

if [ "$mode" = eks-helm ]; then
  command -v kubectl >/dev/null || die "kubectl is not installed or not on PATH (needed to reach Airbyte in the $env_name EKS cluster)"
  [ -n "$cluster" ] || cluster=$(eks_cluster_name "$env_name")
  if [ -z "$namespace" ] && [ -f "$synthesized" ]; then
    # The stack's output airbyte_server_service is "<namespace>/airbyte-airbyte-server-svc:8001".
    namespace=$(grep -oE '"[a-z0-9-]+/airbyte-airbyte-server-svc:[0-9]+"' "$synthesized" | head -n 1 | sed -E 's|^"([^/]+)/.*|\1|' || true)
  fi
  [ -n "$namespace" ] || namespace=airbyte
  # No secret in it: the kubeconfig runs `aws eks get-token` for every connection.
  kubeconfig="${XDG_CACHE_HOME:-$HOME/.cache}/cdc-bigquery/kubeconfig-$env_name"
  mkdir -p "${kubeconfig%/*}"
  aws ${aws_args[@]+"${aws_args[@]}"} eks update-kubeconfig --name "$cluster" --kubeconfig "$kubeconfig" >/dev/null \
    || die "could not get a kubeconfig for the EKS cluster $cluster (is $(stack_name "$env_name" aws) deployed, is this the right region, and does your role have an access entry?)"
  if $orchestrator; then target=deploy/cdc-orchestrator; else target=svc/airbyte-airbyte-server-svc; fi
  echo "Forwarding localhost:$local_port to $target:$remote_port in $cluster/$namespace (environment $env_name); Ctrl-C stops it." >&2
  exec kubectl --kubeconfig "$kubeconfig" --namespace "$namespace" port-forward "$target" "$local_port:$remote_port"
fi

command -v session-manager-plugin >/dev/null \
  || die "the Session Manager plugin for the AWS CLI is not installed (no session-manager-plugin on PATH)"

if [ -z "$instance_id" ]; then
  instance_id=$(find_airbyte_host "$env_name") || exit 1
fi

echo "Forwarding localhost:$local_port to $instance_id:$remote_port (environment $env_name); Ctrl-C stops it." >&2
exec aws ${aws_args[@]+"${aws_args[@]}"} ssm start-session --target "$instance_id" \
  --document-name AWS-StartPortForwardingSession --parameters "portNumber=$remote_port,localPortNumber=$local_port"
