#!/bin/bash
# Stand-in for cdktf, terraform, aws, gcloud, curl, npm, gh, kubectl and session-manager-plugin in the
# operator script tests: records each call in $STUB_LOG and answers from STUB_* variables.
name=$(basename "$0")
echo "$name $*" >>"$STUB_LOG"
case $name in
  cdktf)
    echo "cdktf-env EPHEMERAL_ENV=${EPHEMERAL_ENV:-} ENVIRONMENTS=${ENVIRONMENTS:-}" >>"$STUB_LOG"
    # What terraform plan would add to its arguments (Terraform reads TF_CLI_ARGS_<command>).
    [ -z "${TF_CLI_ARGS_plan:-}" ] || echo "cdktf-env TF_CLI_ARGS_plan=$TF_CLI_ARGS_plan" >>"$STUB_LOG"
    if [ "$1" = synth ]; then
      while [ $# -gt 0 ]; do [ "$1" = --output ] && out=$2; shift; done
      mkdir -p "$out" && cp -R "$STUB_SYNTH_DIR/." "$out/"
      exit 0
    fi
    [ -n "${STUB_CDKTF_FAIL:-}" ] && [ "$2" = "$STUB_CDKTF_FAIL" ] && { echo "Error: $1 of $2 failed" >&2; exit 1; }
    # Terraform leaves the state object behind after a destroy, with no resources in it.
    if [ "$1" = destroy ] && [ -n "${STUB_STATE_DIR:-}" ]; then
      key=$(node -e 'const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(j.terraform?.backend?.s3?.key ?? "")' "$STUB_SYNTH_DIR/stacks/$2/cdk.tf.json")
      if [ -n "$key" ] && [ -f "$STUB_STATE_DIR/$key" ]; then
        node -e 'const fs = require("fs"); const s = JSON.parse(fs.readFileSync(process.argv[1], "utf8")); s.resources = []; s.serial += 1; fs.writeFileSync(process.argv[1], JSON.stringify(s));' "$STUB_STATE_DIR/$key"
      fi
    fi
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
      # An empty query result prints an empty line with --output text.
      "ec2 describe-instances") if [ -n "${STUB_NO_HOST:-}" ]; then echo ""; else echo "i-0123456789abcdef0"; fi ;;
      # The tunnel is "up" from here on: the curl stub answers only through it.
      "ssm start-session") touch "$STUB_LOG.tunnel-up"; exec sleep 30 ;;
      # The bucket is the directory $STUB_STATE_DIR, one file per object key. As the AWS CLI v2
      # prints them: text output joins the query's values with tabs, "None" for an empty list;
      # a missing key is a NoSuchKey service error (exit 254); `s3 rm` prints "delete: s3://...".
      "s3api list-objects-v2")
        shift 2; prefix="" delimiter=""
        while [ $# -gt 0 ]; do case $1 in --prefix) prefix=$2; shift 2 ;; --delimiter) delimiter=$2; shift 2 ;; *) shift ;; esac; done
        found=()
        if [ -d "$STUB_STATE_DIR/$prefix" ]; then
          if [ -n "$delimiter" ]; then
            for d in "$STUB_STATE_DIR/$prefix"*/; do [ -d "$d" ] && found+=("$prefix$(basename "$d")/"); done
          else
            while IFS= read -r f; do found+=("${f#"$STUB_STATE_DIR"/}"); done < <(find "$STUB_STATE_DIR/$prefix" -type f | sort)
          fi
        fi
        if [ ${#found[@]} -eq 0 ]; then echo None; else (IFS=$'\t'; echo "${found[*]}"); fi ;;
      "s3api get-object")
        shift 2; key="" out=""
        while [ $# -gt 0 ]; do case $1 in --bucket) shift 2 ;; --key) key=$2; shift 2 ;; *) out=$1; shift ;; esac; done
        if [ -n "${STUB_S3_DENIED:-}" ]; then echo "An error occurred (AccessDenied) when calling the GetObject operation: Access Denied" >&2; exit 254; fi
        [ -f "$STUB_STATE_DIR/$key" ] || { echo "An error occurred (NoSuchKey) when calling the GetObject operation: The specified key does not exist." >&2; exit 254; }
        cp "$STUB_STATE_DIR/$key" "$out"; echo '{"ServerSideEncryption": "aws:kms"}' ;;
      "s3 rm")
        target=${3#s3://}; bucket=${target%%/*}; prefix=${target#*/}
        while IFS= read -r f; do
          rm "$f"; echo "delete: s3://$bucket/${f#"$STUB_STATE_DIR"/}"
        done < <(find "$STUB_STATE_DIR/$prefix" -type f 2>/dev/null | sort)
        find "$STUB_STATE_DIR" -mindepth 1 -type d -empty -delete 2>/dev/null ;;
      "eks describe-cluster")
        if [ -n "${STUB_EKS_MISSING:-}" ]; then echo "An error occurred (ResourceNotFoundException) when calling the DescribeCluster operation" >&2; exit 254; fi
        echo ACTIVE ;;
      "eks update-kubeconfig") ;;
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
  kubectl)
    # `kubectl port-forward` stays in the foreground like the real one; the tunnel is then "up".
    case " $* " in *" port-forward "*) touch "$STUB_LOG.tunnel-up"; exec sleep 30 ;; esac
    ns=default
    while :; do case $1 in --kubeconfig) shift 2 ;; --namespace|-n) ns=$2; shift 2 ;; *) break ;; esac; done
    # The cluster holds what <env>-kubernetes applied: the CronJob is read from the synthesized
    # stack. One Job at a time is recorded in $STUB_LOG.job.json; STUB_JOB_EXIT is the exit code of
    # its prepare-source container (0: the Job ends Complete; else Failed, reason BackoffLimitExceeded
    # or STUB_JOB_REASON), and the Job reports its end only from the second poll on.
    job_file="$STUB_LOG.job.json"
    job_name() { node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).metadata.name)' "$job_file"; }
    case "$1 $2" in
      "create job")
        # kubectl create job NAME --from=cronjob/C --dry-run=client -o json: the Job kubectl would
        # create, printed (kubectl pkg/cmd/create/create_job.go, createJobFromCronJob: the jobTemplate's
        # spec and labels, annotation cronjob.kubernetes.io/instantiate=manual, the CronJob as controller).
        name=$3; from="" dry=""; for a in "$@"; do case $a in --from=cronjob/*) from=${a#--from=cronjob/} ;; --dry-run=client) dry=1 ;; esac; done
        if [ -z "$from" ] || [ -z "$dry" ]; then echo "stub: only create job --from=cronjob/... --dry-run=client -o json is modelled" >&2; exit 1; fi
        # shellcheck disable=SC2016 # JavaScript, not shell
        node -e '
          const fs = require("fs"), path = require("path");
          const [dir, from, name, ns] = process.argv.slice(1);
          const stacks = fs.readdirSync(path.join(dir, "stacks")).filter((s) => s.endsWith("-kubernetes"));
          const cronJob = stacks.flatMap((s) => Object.values(JSON.parse(fs.readFileSync(path.join(dir, "stacks", s, "cdk.tf.json"), "utf8")).resource?.kubernetes_manifest ?? {}))
            .map((r) => r.manifest).find((m) => m.kind === "CronJob" && m.metadata.name === from && m.metadata.namespace === ns);
          if (!cronJob) { console.error(`Error from server (NotFound): cronjobs.batch "${from}" not found`); process.exit(1); }
          const t = cronJob.spec.jobTemplate;
          console.log(JSON.stringify({
            kind: "Job", apiVersion: "batch/v1",
            metadata: { name, namespace: ns, labels: t.metadata?.labels, annotations: { "cronjob.kubernetes.io/instantiate": "manual", ...(t.metadata?.annotations ?? {}) },
              ownerReferences: [{ apiVersion: "batch/v1", kind: "CronJob", name: from, uid: "0d4c1f52-1111-4222-8333-444455556666", controller: true }] },
            spec: t.spec, status: {},
          }, null, 4));' "$STUB_SYNTH_DIR" "$from" "$name" "$ns" ;;
      "create -f")
        [ "$3" = - ] || { echo "stub: only create -f - is modelled" >&2; exit 1; }
        cat >"$job_file"
        echo "job.batch/$(job_name) created" ;;
      "wait job/"*)
        # kubectl wait job/NAME --for=condition=C --timeout=T: "<kind>/<name> condition met", or after T
        # (0: check once) "timed out waiting for the condition on jobs/NAME" with exit 1 (kubectl
        # pkg/cmd/wait/wait.go: the "condition met" printer and the --timeout help; wait_test.go's errors).
        name=${2#job/}; for=""; for a in "$@"; do case $a in --for=condition=*) for=${a#--for=condition=} ;; esac; done
        if [ ! -f "$job_file" ] || [ "$(job_name)" != "$name" ]; then echo "Error from server (NotFound): jobs.batch \"$name\" not found" >&2; exit 1; fi
        # What kubectl prints when it cannot reach the API server (client-go's connection refused message).
        if [ -n "${STUB_KUBE_API_DOWN:-}" ]; then echo "The connection to the server 10.0.1.23:443 was refused - did you specify the right host or port?" >&2; exit 1; fi
        echo x >>"$STUB_LOG.job-polls"
        ended=""; [ "$(wc -l <"$STUB_LOG.job-polls")" -ge 3 ] && ended=1
        outcome=Complete; [ "${STUB_JOB_EXIT:-0}" = 0 ] || outcome=Failed
        if [ -n "$ended" ] && [ "$for" = "$outcome" ]; then echo "job.batch/$name condition met"; exit 0; fi
        echo "error: timed out waiting for the condition on jobs/$name" >&2; exit 1 ;;
      "logs job/"*)
        # kubectl logs job/NAME --all-containers=true: the init container's output, then the tool's.
        [ -f "$job_file" ] || { echo "error: jobs.batch \"${2#job/}\" not found" >&2; exit 1; }
        echo "bundle verified (sha256 $(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).spec.template.metadata.annotations["cdc/bundle-sha256"])' "$job_file")), RDS CA bundle installed"
        printf '%s\n' "${STUB_JOB_LOG:-{\"ready\": true\}}" ;;
      "get pods")
        # -l batch.kubernetes.io/job-name=NAME (the label the Job controller puts on its pods) -o
        # jsonpath={...containerStatuses[?(@.name=="prepare-source")].state.terminated.exitCode}: filter
        # syntax of "JSONPath Support" (kubernetes.io/docs/reference/kubectl/jsonpath), field of the Pod
        # API's ContainerStateTerminated. Prints the exit code, or nothing when the pod is gone (a Job
        # past activeDeadlineSeconds has its running pods deleted).
        expected="-o jsonpath={.items[*].status.containerStatuses[?(@.name==\"prepare-source\")].state.terminated.exitCode}"
        case " $* " in *" -l batch.kubernetes.io/job-name=$(job_name) "*) ;; *) echo "stub: unexpected selector: $*" >&2; exit 1 ;; esac
        case " $* " in *" $expected"*) ;; *) echo "stub: unexpected query: $*" >&2; exit 1 ;; esac
        [ -n "${STUB_JOB_NO_POD:-}" ] || printf '%s' "${STUB_JOB_EXIT:-0}" ;;
      "get jobs")
        # -l app.kubernetes.io/name=C -o jsonpath={range .items[?(@.status.active)]}{.metadata.name}{" "}{end}:
        # the names of the template's Jobs that still have a running pod (Job API status.active),
        # space-separated; STUB_ACTIVE_JOB stands for one left by an interrupted deploy.
        # The selector must be a label the synthesized CronJob's jobTemplate really carries, or the
        # real kubectl would list nothing and the guard would never fire.
        selector=""; prev=""; for a in "$@"; do [ "$prev" = -l ] && selector=$a; prev=$a; done
        # shellcheck disable=SC2016 # JavaScript, not shell
        node -e '
          const fs = require("fs"), path = require("path");
          const [dir, selector, ns] = process.argv.slice(1);
          const stacks = fs.readdirSync(path.join(dir, "stacks")).filter((s) => s.endsWith("-kubernetes"));
          const labels = stacks.flatMap((s) => Object.values(JSON.parse(fs.readFileSync(path.join(dir, "stacks", s, "cdk.tf.json"), "utf8")).resource?.kubernetes_manifest ?? {}))
            .map((r) => r.manifest).filter((m) => m.kind === "CronJob" && m.metadata.namespace === ns)
            .flatMap((m) => Object.entries(m.spec.jobTemplate.metadata?.labels ?? {}).map(([k, v]) => `${k}=${v}`));
          if (!labels.includes(selector)) { console.error(`stub: selector ${selector} matches no label of a CronJob jobTemplate in ${ns}`); process.exit(1); }' "$STUB_SYNTH_DIR" "$selector" "$ns" || exit 1
        [ -z "${STUB_ACTIVE_JOB:-}" ] || printf '%s ' "$STUB_ACTIVE_JOB" ;;
      "get job/"*)
        # -o jsonpath={.status.conditions[?(@.type=="Failed")].reason}
        [ "${STUB_JOB_EXIT:-0}" = 0 ] || printf '%s' "${STUB_JOB_REASON:-BackoffLimitExceeded}" ;;
      # As kubectl pkg/cmd/rollout/rollout_restart.go and pkg/polymorphichelpers/rollout_status.go print them.
      "rollout restart") echo "deployment.apps/${3#deployment/} restarted" ;;
      "rollout status")
        if [ -n "${STUB_ROLLOUT_FAIL:-}" ]; then echo "error: timed out waiting for the condition" >&2; exit 1; fi
        echo "Waiting for deployment \"${3#deployment/}\" rollout to finish: 0 of 1 updated replicas are available..."
        echo "deployment \"${3#deployment/}\" successfully rolled out" ;;
    esac
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
