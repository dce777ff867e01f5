import { Construct } from 'constructs';
import { Fn, TerraformOutput, TerraformStack } from 'cdktf';
import { DataAwsEksCluster } from '@cdktf/provider-aws/lib/data-aws-eks-cluster';
import { DataAwsSecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/data-aws-secretsmanager-secret-version';
import { HelmProvider } from '@cdktf/provider-helm/lib/provider';
import { Release } from '@cdktf/provider-helm/lib/release';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { NamespaceV1 } from '@cdktf/provider-kubernetes/lib/namespace-v1';
import { SecretV1 } from '@cdktf/provider-kubernetes/lib/secret-v1';
import { ResolvedEksHosting, ResolvedEnvironment } from '../config';
import { OrchestratorDeployment } from '../constructs/orchestrator-deployment';
import { SourcePreparationJob } from '../constructs/source-preparation-job';
import { POOL_LABEL } from '../constructs/eks-node-group';
import { AIRBYTE_CHART, AIRBYTE_DATABASE_SECRET, airbyteChartValues, INSTANCE_ADMIN_VALUE_PATHS } from './airbyte-chart-values';
import { AwsStack, DEFAULT_ORCHESTRATOR_BUNDLE } from './aws-stack';
import { addEnvironmentAwsProvider } from './aws-provider';
import { configureBackend } from './backend';
import { ORCHESTRATOR_SERVICE_ACCOUNT, SERVICES_POOL } from './eks-hosting';
import { GcpStack } from './gcp-stack';
import { sourcePreparationPlan } from './source-preparation';
import { stackName } from '../config/naming';

export interface KubernetesStackOptions {
  /** The single-file orchestrator bundle. @default <repo>/dist/orchestrator.js */
  readonly orchestratorBundlePath?: string;
}

/** Airbyte's server service the chart creates for release `airbyte` (port 8001): the API inside the cluster and the port-forward target. */
export function airbyteServerService(namespace: string): { name: string; port: number; apiUrl: string } {
  const name = `${AIRBYTE_CHART.releaseName}-airbyte-server-svc`;
  return { name, port: 8001, apiUrl: `http://${name}.${namespace}:8001/api/public/v1` };
}

/**
 * `<env>-kubernetes` (eks-helm hosting only), applied after `<env>-aws` and `<env>-gcp`: Airbyte's
 * Helm chart V2 with values from `airbyteChartValues`, the secrets it and the orchestrator read,
 * and the orchestrator Deployment. The helm and kubernetes providers authenticate with
 * `aws eks get-token`, so whoever applies needs an access entry on the cluster (the deploy roles
 * and the principal that applied `<env>-aws` have one).
 */
export class KubernetesStack extends TerraformStack {
  readonly env: ResolvedEnvironment;
  readonly hosting: ResolvedEksHosting;
  readonly release: Release;
  readonly orchestrator: OrchestratorDeployment;
  /** The Job template `scripts/stack.sh deploy` instantiates to prepare the source before `<env>-airbyte`. */
  readonly sourcePreparation: SourcePreparationJob;
  /** The values document given to the chart (Terraform references where values are known at apply). */
  readonly chartValues: ReturnType<typeof airbyteChartValues>;

  constructor(scope: Construct, env: ResolvedEnvironment, aws: AwsStack, gcp: GcpStack, options: KubernetesStackOptions = {}) {
    const name = stackName(env.name, 'kubernetes');
    super(scope, name);
    if (env.hosting.mode !== 'eks-helm' || !aws.eks) {
      throw new Error(`KubernetesStack ${name}: environment ${env.name} does not use eks-helm hosting`);
    }
    this.env = env;
    this.hosting = env.hosting;
    const eks = aws.eks;
    const namespace = this.hosting.namespace;
    configureBackend(this, env, name);
    this.addDependency(aws);
    // Not a data dependency: the deploy order is aws, gcp, kubernetes (DESIGN.md).
    this.addDependency(gcp);

    addEnvironmentAwsProvider(this, env, name);
    const cluster = new DataAwsEksCluster(this, 'cluster', { name: eks.cluster.clusterName });
    const connection = {
      host: cluster.endpoint,
      clusterCaCertificate: Fn.base64decode(cluster.certificateAuthority.get(0).data),
      exec: {
        apiVersion: 'client.authentication.k8s.io/v1beta1',
        command: 'aws',
        args: ['eks', 'get-token', '--cluster-name', cluster.name, '--region', env.aws.region, '--output', 'json'],
      },
    };
    new HelmProvider(this, 'helm', { kubernetes: connection });
    new KubernetesProvider(this, 'kubernetes', { ...connection, exec: [connection.exec] });

    const ns = new NamespaceV1(this, 'namespace', { metadata: { name: namespace, labels: { 'app.kubernetes.io/managed-by': 'cdktf' } } });

    // Airbyte's database login: the RDS-managed master secret, handed over as a Kubernetes secret.
    const dbMaster = new DataAwsSecretsmanagerSecretVersion(this, 'airbyte-db-master', { secretId: eks.configDatabase.masterUserSecretArn });
    const dbMasterJson = Fn.jsondecode(dbMaster.secretString);
    const dbSecret = new SecretV1(this, 'airbyte-db-secret', {
      metadata: { name: AIRBYTE_DATABASE_SECRET.name, namespace: ns.metadata.name },
      data: {
        [AIRBYTE_DATABASE_SECRET.userKey]: Fn.lookup(dbMasterJson, 'username', ''),
        [AIRBYTE_DATABASE_SECRET.passwordKey]: Fn.lookup(dbMasterJson, 'password', ''),
      },
    });

    const apiCredentials = new DataAwsSecretsmanagerSecretVersion(this, 'airbyte-api-credentials', { secretId: aws.airbyteCredentialsSecretArn });
    const apiCredentialsJson = Fn.jsondecode(apiCredentials.secretString);
    const clientId = Fn.lookup(apiCredentialsJson, 'client_id', '');
    const clientSecret = Fn.lookup(apiCredentialsJson, 'client_secret', '');

    this.chartValues = airbyteChartValues({
      environment: env.name,
      region: env.aws.region,
      hosting: this.hosting,
      storageBucketName: eks.storageBucketName,
      databaseHost: eks.configDatabase.address,
      databasePort: eks.configDatabase.port,
      databaseName: eks.configDatabase.databaseName,
      kmsKeyArn: aws.kmsKeyArn,
    });
    this.release = new Release(this, 'airbyte', {
      name: AIRBYTE_CHART.releaseName,
      repository: AIRBYTE_CHART.repository,
      chart: AIRBYTE_CHART.name,
      version: AIRBYTE_CHART.version,
      namespace: ns.metadata.name,
      values: [Fn.yamlencode(this.chartValues)],
      setSensitive: [
        { name: INSTANCE_ADMIN_VALUE_PATHS.clientId, value: clientId, type: 'string' },
        { name: INSTANCE_ADMIN_VALUE_PATHS.clientSecret, value: clientSecret, type: 'string' },
      ],
      // Wait until Airbyte's pods are ready, so the next step talks to a running Airbyte.
      wait: true,
      timeout: 1800,
      maxHistory: 10,
      dependsOn: [dbSecret],
    });

    // The orchestrator's credentials, assembled like the host's fetch-env.js does.
    const sourceCredentials = new DataAwsSecretsmanagerSecretVersion(this, 'source-db-credentials', { secretId: aws.database.credentialsSecretArn });
    const source = Fn.jsondecode(sourceCredentials.secretString);
    // As the host's fetch-env.js and prepare-source.js build them: host, port and database from the replication login's secret.
    const postgresUrl = (username: string, password: string) => Fn.format('postgresql://%s:%s@%s:%s/%s?sslmode=require', [
      Fn.urlencode(username),
      Fn.urlencode(password),
      Fn.lookup(source, 'host', ''),
      Fn.lookup(source, 'port', ''),
      Fn.urlencode(Fn.lookup(source, 'dbname', '')),
    ]);
    const sourceUrl = postgresUrl(Fn.lookup(source, 'username', ''), Fn.lookup(source, 'password', ''));
    const orchestratorSecret = new SecretV1(this, 'orchestrator-secret', {
      metadata: { name: 'cdc-orchestrator', namespace: ns.metadata.name },
      data: { SOURCE_DATABASE_URL: sourceUrl, AIRBYTE_CLIENT_ID: clientId, AIRBYTE_CLIENT_SECRET: clientSecret },
    });
    const server = airbyteServerService(namespace);
    this.orchestrator = new OrchestratorDeployment(this, 'orchestrator', {
      namespace,
      serviceAccountName: ORCHESTRATOR_SERVICE_ACCOUNT,
      bundlePath: options.orchestratorBundlePath ?? DEFAULT_ORCHESTRATOR_BUNDLE,
      configParameterName: aws.orchestratorConfigParameterName,
      region: env.aws.region,
      airbyteApiUrl: server.apiUrl,
      credentialsSecretName: 'cdc-orchestrator',
      alertWebhookSecretName: 'cdc-orchestrator-alerts',
      nodeSelector: { [POOL_LABEL]: SERVICES_POOL },
      dependsOn: [ns, orchestratorSecret, this.release],
    });

    // Source preparation (scripts/stack.sh deploy, before <env>-airbyte): the host's cdc-prepare-source
    // reads the same logins from Secrets Manager at run time; here Terraform hands them over as a
    // Kubernetes secret, like the orchestrator's.
    let adminUrl: string | undefined;
    if (aws.sourceAdminSecretArn) {
      const adminLogin = new DataAwsSecretsmanagerSecretVersion(this, 'source-admin-login', { secretId: aws.sourceAdminSecretArn });
      const admin = Fn.jsondecode(adminLogin.secretString);
      adminUrl = postgresUrl(Fn.lookup(admin, 'username', ''), Fn.lookup(admin, 'password', ''));
    }
    const preparationSecret = new SecretV1(this, 'source-preparation-secret', {
      metadata: { name: 'cdc-prepare-source', namespace: ns.metadata.name },
      data: {
        ...(adminUrl ? { SOURCE_ADMIN_DATABASE_URL: adminUrl } : {}),
        SOURCE_DATABASE_URL: sourceUrl,
        SOURCE_REPLICATION_PASSWORD: Fn.lookup(source, 'password', ''),
        AIRBYTE_DATABASE_USER: Fn.lookup(source, 'username', ''),
      },
    });
    const plan = sourcePreparationPlan(env);
    this.sourcePreparation = new SourcePreparationJob(this, 'source-preparation', {
      namespace,
      bundleConfigMapName: this.orchestrator.bundleConfigMapName,
      bundleSha256: this.orchestrator.bundleSha256,
      credentialsSecretName: 'cdc-prepare-source',
      environment: plan.environment,
      tables: plan.tables,
      replicationSlot: plan.replicationSlot || undefined,
      publication: plan.publication || undefined,
      seedSqlPath: env.database.seedSqlFile,
      nodeSelector: { [POOL_LABEL]: SERVICES_POOL },
      dependsOn: [ns, preparationSecret, this.orchestrator.bundleConfigMap],
    });

    // Read by scripts/stack.sh deploy (prepare the source, then restart the orchestrator).
    new TerraformOutput(this, 'source_preparation', {
      value: {
        namespace,
        cron_job: this.sourcePreparation.cronJobName,
        active_deadline_seconds: this.sourcePreparation.activeDeadlineSeconds,
      },
      description: 'kubectl -n <namespace> create job --from=cronjob/<cron_job> <cron_job>-<timestamp> (scripts/stack.sh deploy does it)',
    });
    new TerraformOutput(this, 'orchestrator_deployment', {
      value: `${namespace}/${this.orchestrator.deploymentName}`,
      description: 'kubectl -n <namespace> rollout restart deployment/<name> (scripts/stack.sh deploy does it after <env>-airbyte)',
    });

    new TerraformOutput(this, 'airbyte_server_service', {
      value: `${namespace}/${server.name}:${server.port}`,
      description: 'kubectl -n <namespace> port-forward svc/<name> 8000:8001 (scripts/tunnel.sh does it)',
    });
  }
}
