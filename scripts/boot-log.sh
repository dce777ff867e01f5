#!/bin/bash
# Shows the Airbyte host's boot log over SSM (the host has no inbound ports), to see how far the
# user-data got and which step failed.
set -euo pipefail
script_dir=${BASH_SOURCE[0]%/*}
[ "$script_dir" != "${BASH_SOURCE[0]}" ] || script_dir=.
# shellcheck source-path=SCRIPTDIR source=lib/cli.sh
source "$script_dir/lib/cli.sh"
# shellcheck source-path=SCRIPTDIR source=lib/naming.sh
source "$script_dir/lib/naming.sh"
# shellcheck source-path=SCRIPTDIR source=lib/airbyte-host.sh
source "$script_dir/lib/airbyte-host.sh"


BOOT_LOG=/var/log/airbyte-host-boot.log
CLOUD_INIT_LOG=/var/log/cloud-init-output.log

usage() {
  cat <<'USAGE'
Usage: scripts/boot-log.sh [options] <environment>

Prints the end of the boot log (/var/log/airbyte-host-boot.log) of the environment's Airbyte host
(the running EC2 instance tagged Environment=<environment> and Role=airbyte-host), read through
SSM Run Command. Each boot step is logged with a timestamp; a failure names its step.

Options:
  -n, --lines N           how many lines (default 100; Run Command returns at most ~24 KB)
  -f, --follow            keep following the log in an interactive session (Ctrl-C stops;
                          needs the Session Manager plugin)
      --cloud-init        show /var/log/cloud-init-output.log instead: the full output of every
                          command the boot ran
  -i, --instance-id ID    use this instance instead of looking it up by tags
  -r, --region REGION     AWS region (default: AWS_REGION or your AWS CLI configuration)
      --profile PROFILE   AWS CLI profile (default: AWS_PROFILE or the default profile)
  -h, --help              show this help

Needs the AWS CLI v2 and permission for ec2:DescribeInstances and ssm:SendCommand /
ssm:GetCommandInvocation (or ssm:StartSession with --follow) on the host.
USAGE
}

lines=100 follow=0 log_file=$BOOT_LOG instance_id="" env_name=""
aws_args=()
while [ $# -gt 0 ]; do
  case $1 in
    -h|--help) usage; exit 0 ;;
    -n|--lines) need_value "$@"; lines=$2; shift 2 ;;
    -f|--follow) follow=1; shift ;;
    --cloud-init) log_file=$CLOUD_INIT_LOG; shift ;;
    -i|--instance-id) need_value "$@"; instance_id=$2; shift 2 ;;
    -r|--region) need_value "$@"; aws_args+=(--region "$2"); shift 2 ;;
    --profile) need_value "$@"; aws_args+=(--profile "$2"); shift 2 ;;
    -*) unknown_option "$1" ;;
    *) set_environment_once "$1"; shift ;;
  esac
done
require_environment dev
# The count goes into a remote shell command, so only digits are allowed.
if ! [[ $lines =~ ^[0-9]{1,6}$ ]] || [ "$lines" -lt 1 ]; then usage_error "--lines must be a positive number, got '$lines'"; fi

command -v aws >/dev/null || die "the AWS CLI (v2) is not installed or not on PATH"
if [ "$follow" = 1 ]; then
  command -v session-manager-plugin >/dev/null \
    || die "--follow needs the Session Manager plugin for the AWS CLI (no session-manager-plugin on PATH)"
fi

# ${a[@]+...} keeps an empty array safe under set -u in the bash 3.2 that macOS ships.
awsc() { aws ${aws_args[@]+"${aws_args[@]}"} "$@"; }

if [ -z "$instance_id" ]; then
  instance_id=$(find_airbyte_host "$env_name") || exit 1
fi

if [ "$follow" = 1 ]; then
  exec aws ${aws_args[@]+"${aws_args[@]}"} ssm start-session --target "$instance_id" \
    --document-name AWS-StartInteractiveCommand --parameters "{\"command\":[\"sudo tail -n $lines -F $log_file\"]}"
fi

command_id=$(awsc ssm send-command --instance-ids "$instance_id" --document-name AWS-RunShellScript \
  --comment "boot-log.sh: tail $log_file" --parameters "{\"commands\":[\"tail -n $lines $log_file\"]}" \
  --query Command.CommandId --output text) || die "could not send the command to $instance_id (is its SSM agent online?)"
# The waiter also fails when the command fails; the invocation's status below says which.
awsc ssm wait command-executed --command-id "$command_id" --instance-id "$instance_id" 2>/dev/null || true
invocation() { awsc ssm get-command-invocation --command-id "$command_id" --instance-id "$instance_id" --query "$1" --output text; }
status=$(invocation Status)
if [ "$status" != Success ]; then
  echo "boot-log.sh: reading $log_file on $instance_id ended with status $status:" >&2
  invocation StandardErrorContent >&2
  exit 1
fi
invocation StandardOutputContent
