# shellcheck shell=bash
# Shared by the operator scripts (sourced): find an environment's Airbyte host.
# Expects `die` and the array `aws_args` (extra --region/--profile flags) from the caller.

# Prints the id of the one running instance tagged Environment=<env>, Role=airbyte-host.
find_airbyte_host() {
  local env_name=$1 found ids
  # ${a[@]+...} keeps an empty array safe under set -u in the bash 3.2 that macOS ships.
  # shellcheck disable=SC2154  # aws_args belongs to the sourcing script
  found=$(aws ${aws_args[@]+"${aws_args[@]}"} ec2 describe-instances \
    --filters "Name=tag:Environment,Values=$env_name" "Name=tag:Role,Values=airbyte-host" "Name=instance-state-name,Values=running" \
    --query 'Reservations[].Instances[].InstanceId' --output text) \
    || die "could not list instances (check your AWS credentials and region)"
  read -r -a ids <<<"$found"
  case ${#ids[@]} in
    0) die "no running instance tagged Environment=$env_name, Role=airbyte-host (is the $env_name-aws stack deployed, and is this the right region?)" ;;
    1) printf '%s\n' "${ids[0]}" ;;
    *) die "several running instances tagged Environment=$env_name, Role=airbyte-host: ${ids[*]}; pick one with --instance-id" ;;
  esac
}
