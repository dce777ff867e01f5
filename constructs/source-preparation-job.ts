import { NAMING_CONSTANTS } from '../config/naming';
import { InvalidPropsError } from './errors';
import { checkInteger, checkKubernetesName, checkPattern } from './prop-checks';
import { Construct } from 'constructs';
import * as crypto from 'crypto';
import * as fs from 'fs';
import { AssetType, Fn, ITerraformDependable, TerraformAsset } from 'cdktf';
import { ConfigMapV1 } from '@cdktf/provider-kubernetes/lib/config-map-v1';
import { Manifest } from '@cdktf/provider-kubernetes/lib/manifest';
import {
  CONFIG_MAP_BUNDLE_LIMIT_BYTES, NON_ROOT_POD_SECURITY_CONTEXT, ORCHESTRATOR_NODE_IMAGE,
  RESTRICTED_CONTAINER_SECURITY_CONTEXT, verifyBundleInitContainer,
} from './orchestrator-deployment';

/** Applied when a prop is omitted (each written once, here). */
export const SOURCE_PREPARATION_JOB_DEFAULTS = {
  name: 'cdc-prepare-source',
  /** Seed, grants, publication and slot take seconds to minutes; a lock wait or an unreachable database must not hold the deploy forever. */
  activeDeadlineSeconds: 1800,
  /** A day to read a finished Job's logs (`kubectl logs job/<name>`) before Kubernetes deletes it. */
  ttlSecondsAfterFinished: 86400,
  nodeImage: ORCHESTRATOR_NODE_IMAGE,
  cpuRequest: '100m',
  cpuLimit: '1',
  memoryRequest: '256Mi',
  memoryLimit: '512Mi',
} as const;

/**
 * Keys of the Kubernetes secret the Job reads (the same variables the host's cdc-prepare-source
 * hands to prepare-source). SOURCE_ADMIN_DATABASE_URL may be absent: without an admin login the
 * Job stops with exit 2, as the host does.
 */
export const SOURCE_PREPARATION_SECRET_KEYS = ['SOURCE_ADMIN_DATABASE_URL', 'SOURCE_DATABASE_URL', 'SOURCE_REPLICATION_PASSWORD', 'AIRBYTE_DATABASE_USER'] as const;

/** Name of the container whose exit code is prepare-source's (scripts/stack.sh reads it). */
export const PREPARE_SOURCE_CONTAINER = 'prepare-source';

/**
 * The container's command (`sh -c`): without an admin login there is nothing a Job can do, so it
 * says what a person does and exits 2 like the host's cdc-prepare-source; otherwise it runs the
 * bundle's prepare-source with the Job's arguments (scripts/stack.sh adds --recreate-lost-slot).
 * No `${` or `%{` in it: Terraform would read them as interpolation in the manifest.
 */
export const PREPARE_SOURCE_SCRIPT = [
  'if [ -z "$SOURCE_ADMIN_DATABASE_URL" ]; then',
  '  echo "cdc-prepare-source: no admin login is known for the source database of $CDC_ENVIRONMENT: set database.adminSecretArn in its config, or prepare the source by hand (README, \\"Preparing and retiring the source\\") and rerun scripts/stack.sh deploy with --skip-prepare-source" >&2',
  '  exit 2',
  'fi',
  'exec node /app/orchestrator.js prepare-source "$@"',
].join('\n');

export interface SourcePreparationJobProps {
  /** Namespace of the CronJob and of the Jobs made from it (the orchestrator's). */
  readonly namespace: string;
  /** ConfigMap holding the gzipped orchestrator bundle under `orchestrator.js.gz` (OrchestratorDeployment's). */
  readonly bundleConfigMapName: string;
  /** sha256 (hex) of the bundle: the init step refuses anything else. */
  readonly bundleSha256: string;
  /** Kubernetes secret with the keys in SOURCE_PREPARATION_SECRET_KEYS. */
  readonly credentialsSecretName: string;
  /** Environment name (CDC_ENVIRONMENT): prepare-source derives slot and publication names from it when they are empty. */
  readonly environment: string;
  /** Watched tables, `schema.table` (SOURCE_TABLES): prepare-source needs no Airbyte connection with them. */
  readonly tables: readonly string[];
  /** Logical replication slot (REPLICATION_SLOT). @default derived from `environment` by prepare-source */
  readonly replicationSlot?: string;
  /** Publication (PUBLICATION). @default derived from `environment` by prepare-source */
  readonly publication?: string;
  /** SQL file run as the admin before the checks (ephemeral environments' seed), shipped in a ConfigMap. @default none */
  readonly seedSqlPath?: string;
  /** Name of the CronJob; Jobs are `<name>-<yyyymmdd>-<hhmmss>`. @default SOURCE_PREPARATION_JOB_DEFAULTS.name */
  readonly name?: string;
  /** Seconds a Job may run before Kubernetes fails it (DeadlineExceeded). @default SOURCE_PREPARATION_JOB_DEFAULTS.activeDeadlineSeconds */
  readonly activeDeadlineSeconds?: number;
  /** Seconds a finished Job (and its pod and logs) is kept. @default SOURCE_PREPARATION_JOB_DEFAULTS.ttlSecondsAfterFinished */
  readonly ttlSecondsAfterFinished?: number;
  /** Pods land on nodes with these labels. @default {} */
  readonly nodeSelector?: Record<string, string>;
  /** @default SOURCE_PREPARATION_JOB_DEFAULTS.nodeImage (the orchestrator Deployment's) */
  readonly nodeImage?: string;
  /** Created first (e.g. the namespace, the secret, the bundle ConfigMap). @default [] */
  readonly dependsOn?: ITerraformDependable[];
}

const K8S_OBJECT_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
/** Job names get `-yyyymmdd-hhmmss` (16 characters) and must fit a 63-character label (job-name). */
const MAX_NAME_LENGTH = 63 - 16;
const CRON_JOB_NAME = new RegExp(`^[a-z0-9]([-a-z0-9]{0,${MAX_NAME_LENGTH - 2}}[a-z0-9])?$`);
const TABLE = /^[^.\s,]{1,63}\.[^\s,]{1,63}$/;

/**
 * Source preparation inside the cluster, where an eks-helm environment has no host to run it on:
 * a suspended CronJob that never runs on a schedule and serves as the Job template that
 * `scripts/stack.sh deploy` instantiates (`kubectl create job --from=cronjob/<name>`) between
 * "Airbyte answers" and `<env>-airbyte`. It runs the orchestrator bundle's `prepare-source` from
 * the Deployment's ConfigMap, verified by the same init step, in the same pinned Node.js image;
 * the logins come from a Kubernetes secret, what to prepare from the environment's configuration.
 * One attempt (backoffLimit 0, restartPolicy Never), so the container's exit code is the answer:
 * 0 ready, 2 a person must act, anything else a failure.
 */
export class SourcePreparationJob extends Construct {
  /** Name of the CronJob (`kubectl create job --from=cronjob/<name>`). */
  readonly cronJobName: string;
  readonly namespace: string;
  readonly activeDeadlineSeconds: number;
  /** The CronJob as Kubernetes sees it (validated in tests against Kubernetes' schema). */
  readonly cronJobManifest: Record<string, unknown>;
  readonly cronJob: Manifest;
  /** The seed's ConfigMap, when there is a seed. */
  readonly seedConfigMap?: ConfigMapV1;

  constructor(scope: Construct, id: string, props: SourcePreparationJobProps) {
    super(scope, id);
    const where = `SourcePreparationJob ${this.node.path}`;
    const defaults = SOURCE_PREPARATION_JOB_DEFAULTS;
    const name = props.name ?? defaults.name;
    checkPattern(where, 'name', name, CRON_JOB_NAME, `lowercase letters, digits and hyphens, at most ${MAX_NAME_LENGTH} characters (Job names add a 16-character timestamp)`);
    checkKubernetesName(where, 'namespace', props.namespace);
    checkPattern(where, 'bundleConfigMapName', props.bundleConfigMapName, K8S_OBJECT_NAME, "a Kubernetes object name (lowercase letters, digits, '-' and '.')");
    checkPattern(where, 'credentialsSecretName', props.credentialsSecretName, K8S_OBJECT_NAME, "a Kubernetes object name (lowercase letters, digits, '-' and '.')");
    checkPattern(where, 'bundleSha256', props.bundleSha256, /^[0-9a-f]{64}$/, "64 lowercase hex digits (the bundle's sha256)");
    checkPattern(where, 'environment', props.environment, new RegExp(NAMING_CONSTANTS.ENVIRONMENT_NAME_PATTERN), 'an environment name such as dev or pr-123');
    if (props.tables.length === 0) {
      throw new InvalidPropsError(`${where}: tables is empty; expected the watched tables as schema.table (e.g. public.orders)`);
    }
    const badTable = props.tables.find((t) => !TABLE.test(t));
    if (badTable !== undefined) {
      throw new InvalidPropsError(`${where}: tables has ${JSON.stringify(badTable)}; expected schema.table (e.g. public.orders), without commas or spaces`);
    }
    if (props.replicationSlot) {
      checkPattern(where, 'replicationSlot', props.replicationSlot, /^(?!rds)[a-z0-9_]{1,63}$/, 'lowercase letters, digits and underscores (at most 63), not starting with "rds" (reserved by RDS)');
    }
    if (props.publication) {
      checkPattern(where, 'publication', props.publication, /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/, 'a PostgreSQL identifier (letters, digits, underscores; at most 63)');
    }
    checkInteger(where, 'activeDeadlineSeconds', props.activeDeadlineSeconds, 60, 86400);
    // Too short and the Job is gone before `scripts/stack.sh` reads its exit code and logs.
    checkInteger(where, 'ttlSecondsAfterFinished', props.ttlSecondsAfterFinished, 600, 30 * 86400);
    const activeDeadlineSeconds = props.activeDeadlineSeconds ?? defaults.activeDeadlineSeconds;
    const ttlSecondsAfterFinished = props.ttlSecondsAfterFinished ?? defaults.ttlSecondsAfterFinished;
    let seed: { content: Buffer; path: string } | undefined;
    if (props.seedSqlPath !== undefined) {
      if (!fs.existsSync(props.seedSqlPath) || !fs.statSync(props.seedSqlPath).isFile()) {
        throw new InvalidPropsError(`${where}: seedSqlPath ${props.seedSqlPath} is not a file`);
      }
      const content = fs.readFileSync(props.seedSqlPath);
      if (content.length > CONFIG_MAP_BUNDLE_LIMIT_BYTES) {
        throw new InvalidPropsError(`${where}: seedSqlPath ${props.seedSqlPath} has ${content.length} bytes, over the ${CONFIG_MAP_BUNDLE_LIMIT_BYTES} a ConfigMap can carry safely (1 MiB limit)`);
      }
      seed = { content, path: props.seedSqlPath };
    }

    this.cronJobName = name;
    this.namespace = props.namespace;
    this.activeDeadlineSeconds = activeDeadlineSeconds;
    const labels = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': 'cdc-orchestrator', 'app.kubernetes.io/managed-by': 'cdktf' };
    const dependsOn = [...(props.dependsOn ?? [])];

    const seedVolumes: Array<Record<string, unknown>> = [];
    const seedMounts: Array<Record<string, unknown>> = [];
    const seedEnv: Array<Record<string, unknown>> = [];
    if (seed) {
      const sha = crypto.createHash('sha256').update(seed.content).digest('hex');
      const asset = new TerraformAsset(this, 'seed', { path: seed.path, type: AssetType.FILE });
      // Named by content and immutable, like the bundle's: a new seed is a new ConfigMap.
      const seedName = `${name}-seed-${sha.slice(0, 12)}`;
      this.seedConfigMap = new ConfigMapV1(this, 'seed-config-map', {
        metadata: { name: seedName, namespace: props.namespace, labels },
        data: { 'seed.sql': Fn.file(asset.path) },
        immutable: true,
        lifecycle: { createBeforeDestroy: true },
        dependsOn: props.dependsOn,
      });
      dependsOn.push(this.seedConfigMap);
      seedVolumes.push({ name: 'seed', configMap: { name: seedName } });
      seedMounts.push({ name: 'seed', mountPath: '/seed', readOnly: true });
      seedEnv.push({ name: 'SOURCE_SEED_SQL_FILE', value: '/seed/seed.sql' });
    }

    const resources = {
      requests: { cpu: defaults.cpuRequest, memory: defaults.memoryRequest },
      limits: { cpu: defaults.cpuLimit, memory: defaults.memoryLimit },
    };
    const image = props.nodeImage ?? defaults.nodeImage;
    const secretEnv = SOURCE_PREPARATION_SECRET_KEYS.map((key) => ({
      name: key,
      valueFrom: {
        secretKeyRef: { name: props.credentialsSecretName, key, ...(key === 'SOURCE_ADMIN_DATABASE_URL' ? { optional: true } : {}) },
      },
    }));
    const planEnv = [
      { name: 'CDC_ENVIRONMENT', value: props.environment },
      { name: 'SOURCE_TABLES', value: props.tables.join(',') },
      ...(props.replicationSlot ? [{ name: 'REPLICATION_SLOT', value: props.replicationSlot }] : []),
      ...(props.publication ? [{ name: 'PUBLICATION', value: props.publication }] : []),
    ];

    this.cronJobManifest = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name, namespace: props.namespace, labels },
      spec: {
        // Never scheduled: suspended, it is only the template `kubectl create job --from` copies.
        schedule: '0 0 1 1 *',
        suspend: true,
        concurrencyPolicy: 'Forbid',
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          metadata: { labels },
          spec: {
            backoffLimit: 0,
            activeDeadlineSeconds,
            ttlSecondsAfterFinished,
            template: {
              metadata: { labels, annotations: { 'cdc/bundle-sha256': props.bundleSha256 } },
              spec: {
                restartPolicy: 'Never',
                // It calls no AWS or Kubernetes API: no service account token, no Pod Identity.
                automountServiceAccountToken: false,
                nodeSelector: props.nodeSelector ?? {},
                securityContext: NON_ROOT_POD_SECURITY_CONTEXT,
                initContainers: [
                  verifyBundleInitContainer(image, props.bundleSha256, resources),
                ],
                containers: [
                  {
                    name: PREPARE_SOURCE_CONTAINER,
                    image,
                    // `sh -c SCRIPT $0 [args]`: the container's args (none here) reach prepare-source.
                    command: ['/bin/sh', '-c', PREPARE_SOURCE_SCRIPT, 'cdc-prepare-source'],
                    env: [
                      ...secretEnv,
                      ...planEnv,
                      ...seedEnv,
                      { name: 'NODE_EXTRA_CA_CERTS', value: '/app/rds-ca.pem' },
                    ],
                    volumeMounts: [
                      { name: 'app', mountPath: '/app', readOnly: true },
                      { name: 'tmp', mountPath: '/tmp' },
                      ...seedMounts,
                    ],
                    resources,
                    securityContext: RESTRICTED_CONTAINER_SECURITY_CONTEXT,
                  },
                ],
                volumes: [
                  { name: 'bundle', configMap: { name: props.bundleConfigMapName } },
                  { name: 'app', emptyDir: { medium: 'Memory', sizeLimit: '32Mi' } },
                  { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
                  ...seedVolumes,
                ],
              },
            },
          },
        },
      },
    };
    this.cronJob = new Manifest(this, 'cron-job', { manifest: this.cronJobManifest, dependsOn });
  }
}
