#!/bin/bash
# Stand-in for cdktf, terraform, aws, gcloud, curl, npm, gh, kubectl and session-manager-plugin in the
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
    case "$1 $2" in
      "sts get-caller-identity")
        if [ -n "${STUB_AWS_NO_CREDENTIALS:-}" ]; then echo "Unable to locate credentials. You can configure credentials by running \"aws configure\"." >&2; exit 255; fi
        echo "${STUB_AWS_ACCOUNT:-123456789012}" ;;
      "ec2 describe-instances") echo "i-0123456789abcdef0" ;;
      # The tunnel is "up" from here on: the curl stub answers only through it.
      "ssm start-session") touch "$STUB_LOG.tunnel-up"; exec sleep 30 ;;
      "s3api list-objects-v2") printf '%s\n' "${STUB_S3_PREFIXES:-None}" ;;
      "eks describe-cluster")
        if [ -n "${STUB_EKS_MISSING:-}" ]; then echo "An error occurred (ResourceNotFoundException) when calling the DescribeCluster operation" >&2; exit 254; fi
        echo ACTIVE ;;
      "eks update-kubeconfig") ;;
      "resourcegroupstaggingapi get-resources") printf '%s\n' "${STUB_TAGGED:-}" ;;
    esac
    ;;
  gcloud)
    [ -n "${STUB_GCLOUD_FAIL:-}" ] && { echo "ERROR: (gcloud.auth.application-default.print-access-token) Your default credentials were not found." >&2; exit 1; }
    echo "stub-access-token"
    ;;
  curl)
    [ -n "${STUB_CURL_EXIT:-}" ] && exit "$STUB_CURL_EXIT"
    [ -f "$STUB_LOG.tunnel-up" ] || exit 7
    ;;
  npm) exit "${STUB_NPM_EXIT:-0}" ;;
  kubectl)
    # `kubectl port-forward` stays in the foreground like the real one; the tunnel is then "up".
    case " $* " in *" port-forward "*) touch "$STUB_LOG.tunnel-up"; exec sleep 30 ;; esac
    ;;
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
