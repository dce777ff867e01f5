#!/bin/bash
# Stand-in for cdktf, terraform, aws, gcloud, curl, npm, gh and session-manager-plugin in the
# operator script tests: records each call in $STUB_LOG and answers from STUB_* variables.
name=$(basename "$0")
echo "$name $*" >>"$STUB_LOG"
case $name in
  cdktf)
    echo "cdktf-env EPHEMERAL_ENV=${EPHEMERAL_ENV:-} ENVIRONMENTS=${ENVIRONMENTS:-}" >>"$STUB_LOG"
    if [ "$1" = synth ]; then
      while [ $# -gt 0 ]; do [ "$1" = --output ] && out=$2; shift; done
      mkdir -p "$out" && cp -R "$STUB_SYNTH_DIR/." "$out/"
      exit 0
    fi
    [ -n "${STUB_CDKTF_FAIL:-}" ] && [ "$2" = "$STUB_CDKTF_FAIL" ] && { echo "Error: $1 of $2 failed" >&2; exit 1; }
    echo "$1 $2: ok"
    ;;
  terraform)
    [ "$1" = version ] && printf '{\n  "terraform_version": "%s",\n  "platform": "linux_amd64"\n}\n' "${STUB_TERRAFORM_VERSION:-1.10.5}"
    ;;
  aws)
    # Global options come before the service name.
    while [ "$1" = --region ] || [ "$1" = --profile ]; do shift 2; done
    case "$1 $2" in
      "sts get-caller-identity")
        if [ -n "${STUB_AWS_NO_CREDENTIALS:-}" ]; then echo "Unable to locate credentials. You can configure credentials by running \"aws configure\"." >&2; exit 255; fi
        echo "${STUB_AWS_ACCOUNT:-123456789012}" ;;
      "ec2 describe-instances") echo "i-0123456789abcdef0" ;;
      # The tunnel is "up" from here on: the curl stub answers only through it.
      "ssm start-session") touch "$STUB_LOG.tunnel-up"; exec sleep 30 ;;
      "s3api list-objects-v2") printf '%s\n' "${STUB_S3_PREFIXES:-None}" ;;
      # SSM Run Command as the CLI answers it (aws ssm send-command / get-command-invocation, AWS CLI
      # v2 reference): a command id, then an invocation that is InProgress once and then ends;
      # a script exiting non-zero ends "Failed" with its exit code as ResponseCode.
      "ssm send-command")
        n=$(( $(cat "$STUB_LOG.commands" 2>/dev/null || echo 0) + 1 )); echo "$n" >"$STUB_LOG.commands"
        for a in "$@"; do case $a in '{"commands"'*) printf '%s' "$a" >"$STUB_LOG.cmd-$n" ;; esac; done
        echo "0b5e6f7a-0000-4000-8000-00000000000$n" ;;
      "ssm get-command-invocation")
        id=""; prev=""; for a in "$@"; do [ "$prev" = --command-id ] && id=$a; prev=$a; done
        n=${id##*-00000000000}
        polls="$STUB_LOG.polls-$n"; echo x >>"$polls"
        if [ "$(wc -l <"$polls")" -lt 2 ]; then echo '{"Status": "InProgress", "ResponseCode": -1, "StandardOutputContent": "", "StandardErrorContent": ""}'; exit 0; fi
        rc=0 out="" err=""
        if grep -q cdc-prepare-source "$STUB_LOG.cmd-$n"; then
          rc=${STUB_PREPARE_EXIT:-0}; out=${STUB_PREPARE_STDOUT:-'{\"ready\": true}'}; err=${STUB_PREPARE_STDERR:-}
        fi
        status=Success; [ "$rc" = 0 ] || status=Failed
        printf '{"CommandId": "%s", "Status": "%s", "ResponseCode": %s, "StandardOutputContent": "%s\\n", "StandardErrorContent": "%s"}\n' "$id" "$status" "$rc" "$out" "$err" ;;
      "resourcegroupstaggingapi get-resources") printf '%s\n' "${STUB_TAGGED:-}" ;;
    esac
    ;;
  gcloud)
    if [ "$1 $2" = "org-policies describe" ]; then
      # The effective policy of a boolean constraint (gcloud org-policies describe --effective --format=json).
      [ -n "${STUB_GCLOUD_ORG_DENIED:-}" ] && { echo "ERROR: (gcloud.org-policies.describe) [caller] does not have permission orgpolicy.policies.get" >&2; exit 1; }
      enforce=false; [ "$3" = "${STUB_GCLOUD_ENFORCED:-none}" ] && enforce=true
      printf '{\n  "name": "projects/123456789012/policies/%s",\n  "spec": {\n    "rules": [\n      {\n        "enforce": %s\n      }\n    ]\n  }\n}\n' "$3" "$enforce"
      exit 0
    fi
    [ -n "${STUB_GCLOUD_FAIL:-}" ] && { echo "ERROR: (gcloud.auth.application-default.print-access-token) Your default credentials were not found." >&2; exit 1; }
    echo "stub-access-token"
    ;;
  curl)
    [ -n "${STUB_CURL_EXIT:-}" ] && exit "$STUB_CURL_EXIT"
    [ -f "$STUB_LOG.tunnel-up" ] || exit 7
    ;;
  npm) exit "${STUB_NPM_EXIT:-0}" ;;
  gh)
    number=${2##*/}
    var="STUB_PR_$number"
    state=${!var:-}
    if [ -z "$state" ] || [ "$state" = 404 ]; then echo "gh: Not Found (HTTP 404)" >&2; exit 1; fi
    if [ "$state" = 500 ]; then echo "gh: Server Error (HTTP 500)" >&2; exit 1; fi
    echo "$state"
    ;;
esac
exit 0
