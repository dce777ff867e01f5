# shellcheck shell=bash
# Shared by the operator scripts (sourced): find an environment's Airbyte host.
# Expects lib/cli.sh (`die`), lib/naming.sh (AIRBYTE_HOST_ROLE) and the array `aws_args` (extra
# --region/--profile flags) from the caller.

# Prints the ids of the environment's host instances (tags Environment=<env>, Role=$AIRBYTE_HOST_ROLE)
# in the given instance states (comma-separated, e.g. running); the AWS CLI's status on failure.
list_airbyte_hosts() {
  local env_name=$1 states=$2
  # ${a[@]+...} keeps an empty array safe under set -u in the bash 3.2 that macOS ships.
  # shellcheck disable=SC2154  # aws_args and AIRBYTE_HOST_ROLE belong to the sourcing script
  aws ${aws_args[@]+"${aws_args[@]}"} ec2 describe-instances \
    --filters "Name=tag:Environment,Values=$env_name" "Name=tag:Role,Values=$AIRBYTE_HOST_ROLE" "Name=instance-state-name,Values=$states" \
    --query 'Reservations[].Instances[].InstanceId' --output text
}

# Prints the id of the one running instance of the environment's host.
find_airbyte_host() {
  local env_name=$1 found ids
  found=$(list_airbyte_hosts "$env_name" running) || die "could not list instances (check your AWS credentials and region)"
  read -r -a ids <<<"$found"
  case ${#ids[@]} in
    0) die "no running instance tagged Environment=$env_name, Role=$AIRBYTE_HOST_ROLE (is the $(stack_name "$env_name" aws) stack deployed, and is this the right region?)" ;;
    1) printf '%s\n' "${ids[0]}" ;;
    *) die "several running instances tagged Environment=$env_name, Role=$AIRBYTE_HOST_ROLE: ${ids[*]}; pick one with --instance-id" ;;
  esac
}
