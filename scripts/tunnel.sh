#!/bin/bash
# Port-forwards localhost to the Airbyte port of an environment's host over SSM Session Manager:
# the host has no inbound rules, so this is how the UI and the <env>-airbyte stack reach Airbyte.
set -euo pipefail
script_dir=${BASH_SOURCE[0]%/*}
[ "$script_dir" != "${BASH_SOURCE[0]}" ] || script_dir=.
# shellcheck source-path=SCRIPTDIR source=lib/airbyte-host.sh
source "$script_dir/lib/airbyte-host.sh"


usage() {
  cat <<'USAGE'
Usage: scripts/tunnel.sh [options] <environment>

Forwards localhost:<local-port> to port 8000 of the environment's Airbyte host (the running EC2
instance tagged Environment=<environment> and Role=airbyte-host) through AWS Systems Manager.
Keep it running while you use the UI (http://localhost:<local-port>) or deploy the
<environment>-airbyte stack (API at http://localhost:<local-port>/api/public/v1). Ctrl-C stops it.

Options:
  -p, --local-port PORT   local port to listen on (default 8000)
      --remote-port PORT  Airbyte's port on the host (default 8000)
  -i, --instance-id ID    use this instance instead of looking it up by tags
  -r, --region REGION     AWS region (default: AWS_REGION or your AWS CLI configuration)
      --profile PROFILE   AWS CLI profile (default: AWS_PROFILE or the default profile)
  -h, --help              show this help

Needs the AWS CLI v2, the Session Manager plugin, and permission for ec2:DescribeInstances and
ssm:StartSession (document AWS-StartPortForwardingSession) on the host.
USAGE
}

die() { echo "tunnel.sh: $*" >&2; exit 1; }
usage_error() { echo "tunnel.sh: $*" >&2; echo "Run 'scripts/tunnel.sh --help' for usage." >&2; exit 2; }
need_value() { if [ $# -lt 2 ] || [ -z "$2" ]; then usage_error "$1 needs a value"; fi; }
valid_port() { [[ $1 =~ ^[0-9]{1,5}$ ]] && [ "$1" -ge 1 ] && [ "$1" -le 65535 ]; }

local_port=8000 remote_port=8000 instance_id="" env_name=""
aws_args=()
while [ $# -gt 0 ]; do
  case $1 in
    -h|--help) usage; exit 0 ;;
    -p|--local-port) need_value "$@"; local_port=$2; shift 2 ;;
    --remote-port) need_value "$@"; remote_port=$2; shift 2 ;;
    -i|--instance-id) need_value "$@"; instance_id=$2; shift 2 ;;
    -r|--region) need_value "$@"; aws_args+=(--region "$2"); shift 2 ;;
    --profile) need_value "$@"; aws_args+=(--profile "$2"); shift 2 ;;
    -*) usage_error "unknown option $1" ;;
    *) [ -z "$env_name" ] || usage_error "one environment only (got '$env_name' and '$1')"; env_name=$1; shift ;;
  esac
done
[ -n "$env_name" ] || usage_error "which environment? e.g. scripts/tunnel.sh dev"
[[ $env_name =~ ^[A-Za-z0-9][A-Za-z0-9_-]*$ ]] || usage_error "'$env_name' is not an environment name"
valid_port "$local_port" || usage_error "--local-port must be a port number (1-65535), got '$local_port'"
valid_port "$remote_port" || usage_error "--remote-port must be a port number (1-65535), got '$remote_port'"

command -v aws >/dev/null || die "the AWS CLI (v2) is not installed or not on PATH"
command -v session-manager-plugin >/dev/null \
  || die "the Session Manager plugin for the AWS CLI is not installed (no session-manager-plugin on PATH)"

if [ -z "$instance_id" ]; then
  instance_id=$(find_airbyte_host "$env_name") || exit 1
fi

echo "Forwarding localhost:$local_port to $instance_id:$remote_port (environment $env_name); Ctrl-C stops it." >&2
exec aws ${aws_args[@]+"${aws_args[@]}"} ssm start-session --target "$instance_id" \
  --document-name AWS-StartPortForwardingSession --parameters "portNumber=$remote_port,localPortNumber=$local_port"
