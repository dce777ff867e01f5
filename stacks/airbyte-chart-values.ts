import { ENVIRONMENT_DEFAULTS, ResolvedEksHosting } from '../config';
import { POOL_LABEL } from '../constructs/eks-node-group';
import { AIRBYTE_SECRET_TAG_KEY, AIRBYTE_SERVICE_ACCOUNT, JOB_TAINT } from './eks-hosting';

/** Airbyte's Helm chart V2: repository, name and the pinned version (= Airbyte 2.2.0). */
export const AIRBYTE_CHART = {
  repository: 'https://airbytehq.github.io/charts',
  name: 'airbyte',
  version: ENVIRONMENT_DEFAULTS.airbyteChartVersion,
  releaseName: 'airbyte',
} as const;

/** The Kubernetes secret holding Airbyte's config database login, and its keys. */
export const AIRBYTE_DATABASE_SECRET = { name: 'airbyte-config-db', userKey: 'DATABASE_USER', passwordKey: 'DATABASE_PASSWORD' } as const;

/** Chart paths of the instance-admin credentials: given as sensitive `set` values, never in the values document. */
export const INSTANCE_ADMIN_VALUE_PATHS = {
  clientId: 'global.auth.instanceAdmin.clientId',
  clientSecret: 'global.auth.instanceAdmin.clientSecret',
} as const;

/** What the values depend on besides the environment: names and addresses known at deploy time (may be Terraform references). */
export interface AirbyteChartInputs {
  readonly environment: string;
  readonly region: string;
  readonly hosting: ResolvedEksHosting;
  readonly storageBucketName: string;
  readonly databaseHost: string;
  readonly databasePort: number;
  readonly databaseName: string;
  /** KMS key Airbyte encrypts the secrets it creates with. */
  readonly kmsKeyArn: string;
}

type Quantity = { readonly request: string; readonly limit: string };
type Toleration = { readonly key: string; readonly operator: 'Equal'; readonly value: string; readonly effect: 'NoSchedule' };

/** The subset of chart 2.2.0's values we set. Keys checked by rendering the chart (facts.md; __tests__/stacks/helm-template.test.ts). */
export interface AirbyteChartValues {
  readonly global: {
    readonly serviceAccountName: string;
    readonly edition: 'community';
    readonly database: {
      readonly type: 'external';
      readonly host: string;
      readonly port: number;
      readonly name: string;
      readonly secretName: string;
      readonly userSecretKey: string;
      readonly passwordSecretKey: string;
      readonly replica: { readonly userSecretKey: string; readonly passwordSecretKey: string };
    };
    readonly storage: {
      readonly type: 's3';
      readonly bucket: { readonly log: string; readonly state: string; readonly workloadOutput: string; readonly activityPayload: string };
      readonly s3: { readonly region: string; readonly authenticationType: 'instanceProfile' };
    };
    readonly secretsManager: {
      readonly enabled: true;
      readonly type: 'AWS_SECRET_MANAGER';
      readonly awsSecretManager: {
        readonly region: string;
        readonly authenticationType: 'instanceProfile';
        readonly tags: ReadonlyArray<{ readonly key: string; readonly value: string }>;
        readonly kmsArn: string;
      };
    };
    readonly auth: { readonly enabled: true };
    readonly jobs: {
      readonly kube: {
        readonly nodeSelector: Readonly<Record<string, string>>;
        readonly tolerations: readonly Toleration[];
      };
    };
    readonly workloads: { readonly resources: { readonly mainContainer: { readonly cpu: Quantity; readonly memory: Quantity } } };
  };
  readonly postgresql: { readonly enabled: false };
  readonly minio: { readonly enabled: false };
  readonly worker: { readonly replicaCount: number; readonly maxSyncWorkers: number };
  readonly workloadLauncher: { readonly replicaCount: number; readonly parallelism: number };
  readonly temporal: { readonly extraEnv: ReadonlyArray<{ readonly name: string; readonly value: string }> };
}

/**
 * The chart's values for one environment: a pure function (same input, same output, no I/O).
 * - external database (RDS) with the replica keys pointing at the same secret keys (the chart
 *   reads them too); the bundled Postgres and MinIO off, so nothing needs a volume;
 * - storage `s3` (lowercase: the template compares with "s3") with its region, and Secrets
 *   Manager, both through `instanceProfile`, which in EKS means the pod's credentials from Pod
 *   Identity on the `airbyte-admin` service account;
 * - worker and launcher scaling and job pod sizes from config; job pods pinned to the job nodes.
 */
export function airbyteChartValues(inputs: AirbyteChartInputs): AirbyteChartValues {
  const { hosting, region } = inputs;
  const bucket = inputs.storageBucketName;
  const scaling = hosting.scaling;
  return {
    global: {
      serviceAccountName: AIRBYTE_SERVICE_ACCOUNT,
      edition: 'community',
      database: {
        type: 'external',
        host: inputs.databaseHost,
        port: inputs.databasePort,
        name: inputs.databaseName,
        secretName: AIRBYTE_DATABASE_SECRET.name,
        userSecretKey: AIRBYTE_DATABASE_SECRET.userKey,
        passwordSecretKey: AIRBYTE_DATABASE_SECRET.passwordKey,
        replica: { userSecretKey: AIRBYTE_DATABASE_SECRET.userKey, passwordSecretKey: AIRBYTE_DATABASE_SECRET.passwordKey },
      },
      storage: {
        type: 's3',
        bucket: { log: bucket, state: bucket, workloadOutput: bucket, activityPayload: bucket },
        s3: { region, authenticationType: 'instanceProfile' },
      },
      secretsManager: {
        enabled: true,
        type: 'AWS_SECRET_MANAGER',
        awsSecretManager: {
          region,
          authenticationType: 'instanceProfile',
          // The pod role may only use secrets carrying this tag (stacks/eks-hosting.ts).
          tags: [{ key: AIRBYTE_SECRET_TAG_KEY, value: inputs.environment }],
          kmsArn: inputs.kmsKeyArn,
        },
      },
      auth: { enabled: true },
      jobs: {
        kube: {
          nodeSelector: { [POOL_LABEL]: JOB_TAINT.value },
          tolerations: [{ key: JOB_TAINT.key, operator: 'Equal', value: JOB_TAINT.value, effect: 'NoSchedule' }],
        },
      },
      workloads: {
        resources: {
          mainContainer: {
            cpu: { request: scaling.jobCpuRequest, limit: scaling.jobCpuLimit },
            memory: { request: scaling.jobMemoryRequest, limit: scaling.jobMemoryLimit },
          },
        },
      },
    },
    postgresql: { enabled: false },
    minio: { enabled: false },
    worker: { replicaCount: scaling.workerReplicas, maxSyncWorkers: scaling.maxSyncWorkersPerWorker },
    workloadLauncher: { replicaCount: scaling.launcherReplicas, parallelism: scaling.launcherParallelism },
    // RDS forces SSL; Temporal's SQL client only uses TLS when told (airbytehq/airbyte#39636).
    temporal: {
      extraEnv: [
        { name: 'SQL_TLS_ENABLED', value: 'true' },
        { name: 'SQL_TLS', value: 'true' },
        { name: 'SQL_TLS_DISABLE_HOST_VERIFICATION', value: 'true' },
      ],
    },
  };
}
