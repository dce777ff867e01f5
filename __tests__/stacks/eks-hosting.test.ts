import { ephemeralEnvironment } from '../../config';
import { dev } from '../../config/environments/dev';
import { prod } from '../../config/environments/prod';
import { dataOf, onlyResource, resourcesOf, StackJson, synthEnvironment } from '../support/synth';

// prod (checked in, eks-helm on the existing network) and an ephemeral environment in eks-helm
// mode (dev's created network, teardown-friendly settings).
const prodEnv = synthEnvironment(prod);
const prEnv = synthEnvironment(ephemeralEnvironment('pr-77', dev, 'eks-helm'));

const values = (stack: StackJson, type: string) => Object.values(stack.resource?.[type] ?? {});
const policyDocument = (stack: StackJson, idPrefix: string) => {
  const entry = Object.entries(stack.data?.aws_iam_policy_document ?? {}).find(([id]) => id.startsWith(idPrefix));
  if (!entry) throw new Error(`no policy document ${idPrefix}`);
  return entry[1] as { statement: Array<Record<string, any>> };
};

describe('eks-helm <env>-aws (prod): the cluster', () => {
  const cluster = onlyResource(prodEnv.aws, 'aws_eks_cluster') as Record<string, any>;

  test('runs a supported version with API authentication, encrypted secrets, every log, standard support', () => {
    expect(cluster.version).toBe('1.35');
    expect(cluster.access_config).toEqual({ authentication_mode: 'API', bootstrap_cluster_creator_admin_permissions: false });
    expect(cluster.encryption_config.resources).toEqual(['secrets']);
    expect(cluster.encryption_config.provider.key_arn).toMatch(/^\$\{aws_kms_key\..+\.arn\}$/);
    expect(cluster.enabled_cluster_log_types).toEqual(['api', 'audit', 'authenticator', 'controllerManager', 'scheduler']);
    expect(cluster.upgrade_policy).toEqual({ support_type: 'STANDARD' });
    expect(cluster.deletion_protection).toBe(true);
    // Beside the RDS log groups: exactly one for the control plane, with the name EKS writes to.
    const eksGroups = resourcesOf(prodEnv.aws, 'aws_cloudwatch_log_group').filter((g) => String(g.name).startsWith('/aws/eks/'));
    expect(eksGroups.map((g) => g.name)).toEqual(['/aws/eks/cdc-prod/cluster']);
  });

  test('has a private endpoint in the configured private subnets of two AZs', () => {
    expect(cluster.vpc_config).toEqual({
      endpoint_private_access: true,
      endpoint_public_access: false,
      subnet_ids: ['subnet-0a1b2c3d4e5f60004', 'subnet-0a1b2c3d4e5f60005'],
    });
  });

  test('gives the deploy role (and whoever applies) cluster admin and the plan role view access', () => {
    const [admins, viewer] = values(prodEnv.aws, 'aws_eks_access_entry') as Array<Record<string, any>>;
    expect(admins.for_each).toContain('arn:aws:iam::111111111111:role/cdc-github-deploy-prod');
    expect(admins.for_each).toMatch(/distinct\(concat\(.*data\.aws_iam_session_context\.[^.]+\.issuer_arn/);
    expect(viewer.principal_arn).toBe('arn:aws:iam::111111111111:role/cdc-github-plan');
    const policies = values(prodEnv.aws, 'aws_eks_access_policy_association').map((a) => String(a.policy_arn).split('/').pop());
    expect(policies.sort()).toEqual(['AmazonEKSAdminViewPolicy', 'AmazonEKSClusterAdminPolicy']);
  });

  test('installs vpc-cni, kube-proxy and the Pod Identity agent before nodes, coredns after them', () => {
    const addons = Object.fromEntries(values(prodEnv.aws, 'aws_eks_addon').map((a) => [a.addon_name, a.depends_on]));
    expect(Object.keys(addons).sort()).toEqual(['coredns', 'eks-pod-identity-agent', 'kube-proxy', 'vpc-cni']);
    expect(addons.coredns).toEqual([expect.stringMatching(/^aws_eks_node_group\.eks-services-nodes/)]);
    for (const group of values(prodEnv.aws, 'aws_eks_node_group')) {
      const deps = group.depends_on as string[];
      for (const name of ['vpc-cni', 'kube-proxy', 'eks-pod-identity-agent']) expect(deps.some((d) => d.includes(`addon-${name}`))).toBe(true);
    }
  });
});

describe('eks-helm <env>-aws (prod): node groups', () => {
  const groups = Object.fromEntries(values(prodEnv.aws, 'aws_eks_node_group').map((g) => [(g.labels as Record<string, string>)['cdc/pool'], g])) as Record<string, Record<string, any>>;

  test('services and jobs groups sized from config; only the jobs group is tainted', () => {
    expect(Object.keys(groups).sort()).toEqual(['jobs', 'services']);
    expect(groups.services.scaling_config).toEqual({ min_size: 2, desired_size: 3, max_size: 4 });
    expect(groups.jobs.scaling_config).toEqual({ min_size: 1, desired_size: 2, max_size: 8 });
    expect(groups.jobs.instance_types).toEqual(['m6i.2xlarge']);
    expect(groups.jobs.taint).toEqual([{ key: 'cdc/pool', value: 'jobs', effect: 'NO_SCHEDULE' }]);
    expect(groups.services.taint).toEqual([]);
  });

  test('each uses its own launch template: IMDSv2 only, hop limit 1, encrypted gp3 root', () => {
    for (const group of Object.values(groups)) {
      const id = /aws_launch_template\.([^.]+)\.id/.exec(group.launch_template.id)![1];
      const template = prodEnv.aws.resource!.aws_launch_template[id] as Record<string, any>;
      expect(template.metadata_options).toMatchObject({ http_tokens: 'required', http_put_response_hop_limit: 1 });
      expect(template.block_device_mappings[0].ebs).toMatchObject({ encrypted: 'true', volume_type: 'gp3' });
    }
  });
});

describe('eks-helm <env>-aws (prod): Airbyte state outside the cluster', () => {
  test('the storage bucket is private, KMS-encrypted and TLS-only (and the only bucket: no bundle upload)', () => {
    const pab = onlyResource(prodEnv.aws, 'aws_s3_bucket_public_access_block');
    expect(pab).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
    expect(String(onlyResource(prodEnv.aws, 'aws_s3_bucket').bucket_prefix)).toBe('cdc-prod-airbyte-storage-');
    const tls = policyDocument(prodEnv.aws, 'airbyte-storage_tls-only').statement[0];
    expect(tls.condition).toEqual([{ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] }]);
    expect(resourcesOf(prodEnv.aws, 'aws_s3_object')).toEqual([]);
  });

  test("Airbyte's config database is its own encrypted private RDS instance reachable only from the cluster", () => {
    const dbs = Object.fromEntries(values(prodEnv.aws, 'aws_db_instance').map((d) => [d.identifier, d])) as Record<string, Record<string, any>>;
    expect(Object.keys(dbs).sort()).toEqual(['cdc-prod-airbyte', 'cdc-prod-source']);
    const airbyteDb = dbs['cdc-prod-airbyte'];
    expect(airbyteDb).toMatchObject({ storage_encrypted: true, publicly_accessible: false, engine: 'postgres', engine_version: '16', manage_master_user_password: true, multi_az: true, backup_retention_period: 14 });
    expect(airbyteDb.vpc_security_group_ids).not.toEqual(dbs['cdc-prod-source'].vpc_security_group_ids);
    const ingress = values(prodEnv.aws, 'aws_vpc_security_group_ingress_rule');
    const toAirbyteDb = ingress.filter((r) => String(r.security_group_id).includes('airbyte-db_sg'));
    expect(toAirbyteDb).toHaveLength(1);
    expect(toAirbyteDb[0]).toMatchObject({ from_port: 5432, to_port: 5432, referenced_security_group_id: expect.stringMatching(/^\$\{aws_eks_cluster\..+\.vpc_config\[0\]\.cluster_security_group_id\}$/) });
    expect(toAirbyteDb[0]).not.toHaveProperty('cidr_ipv4');
  });

  test('the source database, its CDC parameter group and the WAL alarms stay as in host mode', () => {
    const groups = values(prodEnv.aws, 'aws_db_parameter_group');
    const cdc = groups.find((g) => String(g.name_prefix).includes('-cdc-'))!;
    const params = Object.fromEntries((cdc.parameter as Array<{ name: string; value: string }>).map((p) => [p.name, p.value]));
    expect(params).toMatchObject({ 'rds.logical_replication': '1', 'rds.force_ssl': '1', max_slot_wal_keep_size: '51200' });
    expect(resourcesOf(prodEnv.aws, 'aws_cloudwatch_metric_alarm').map((a) => a.metric_name).sort()).toEqual(['FreeStorageSpace', 'OldestReplicationSlotLag', 'TransactionLogsDiskUsage']);
    const ingress = values(prodEnv.aws, 'aws_vpc_security_group_ingress_rule').filter((r) => String(r.security_group_id).includes('source-db_sg'));
    expect(ingress.map((r) => r.referenced_security_group_id)).toEqual([expect.stringMatching(/cluster_security_group_id/)]);
    expect(resourcesOf(prodEnv.aws, 'aws_instance')).toEqual([]);
  });
});

describe('eks-helm <env>-aws (prod): identities', () => {
  test('airbyte-admin gets exactly its bucket, its tagged secrets and the environment key through Pod Identity', () => {
    const associations = Object.fromEntries(values(prodEnv.aws, 'aws_eks_pod_identity_association').map((a) => [a.service_account, a]));
    expect(Object.keys(associations).sort()).toEqual(['airbyte-admin', 'cdc-orchestrator']);
    expect(associations['airbyte-admin'].namespace).toBe('airbyte');
    const trust = policyDocument(prodEnv.aws, 'airbyte-pod-identity_trust').statement[0];
    expect(trust.principals).toEqual([{ type: 'Service', identifiers: ['pods.eks.amazonaws.com'] }]);
    const statements = Object.fromEntries(policyDocument(prodEnv.aws, 'airbyte-pod-identity_access').statement.map((s) => [s.sid, s]));
    expect(Object.keys(statements).sort()).toEqual(['CreateOwnSecrets', 'ListStorageBucket', 'ReadWriteStorage', 'UseEnvironmentKey', 'UseOwnSecrets']);
    expect(statements.ListStorageBucket.resources).toEqual([expect.stringMatching(/^\$\{aws_s3_bucket\.airbyte-storage_bucket_[^.]+\.arn\}$/)]);
    expect(statements.ReadWriteStorage.resources).toEqual([expect.stringMatching(/^\$\{aws_s3_bucket\.airbyte-storage_bucket_[^.]+\.arn\}\/\*$/)]);
    expect(statements.UseOwnSecrets.condition).toEqual([{ test: 'StringEquals', variable: 'secretsmanager:ResourceTag/cdc-environment', values: ['prod'] }]);
    expect(statements.CreateOwnSecrets.condition).toEqual([{ test: 'StringEquals', variable: 'aws:RequestTag/cdc-environment', values: ['prod'] }]);
    for (const statement of Object.values(statements) as Array<Record<string, any>>) expect(statement.resources).not.toContain('*');
  });

  test('the orchestrator may read only its configuration parameter', () => {
    const [statement] = policyDocument(prodEnv.aws, 'orchestrator-pod-identity_access').statement;
    expect(statement.actions).toEqual(['ssm:GetParameter']);
    expect(statement.resources).toEqual([expect.stringMatching(/:parameter\/prod\/cdc\/orchestrator-config$/)]);
  });

  test('no access keys, and the instance-admin API credentials are generated into the secret <env>-airbyte reads', () => {
    for (const text of Object.values(prodEnv.text)) expect(text ?? '').not.toContain('aws_iam_access_key');
    const version = values(prodEnv.aws, 'aws_secretsmanager_secret_version').find((v) => String(v.secret_id).includes('airbyte-api-credentials'))!;
    expect(String(version.secret_string)).toMatch(/"client_id" = random_uuid\.[^.]+\.result, "client_secret" = random_password\.[^.]+\.result/);
  });
});

describe('eks-helm <env>-kubernetes (prod)', () => {
  const k8s = prodEnv.kubernetes!;

  test('is applied after aws and gcp, and before airbyte', () => {
    expect(prodEnv.manifest.stacks['prod-kubernetes'].dependencies.sort()).toEqual(['prod-aws', 'prod-gcp']);
    expect(prodEnv.manifest.stacks['prod-airbyte'].dependencies).toContain('prod-kubernetes');
  });

  test('helm and kubernetes providers authenticate through aws eks get-token', () => {
    const helm = (k8s.provider!.helm[0] as Record<string, any>).kubernetes;
    const kube = k8s.provider!.kubernetes[0] as Record<string, any>;
    for (const exec of [helm.exec, kube.exec[0]]) {
      expect(exec.command).toBe('aws');
      expect(exec.args.slice(0, 3)).toEqual(['eks', 'get-token', '--cluster-name']);
    }
    expect(helm.host).toMatch(/data\.aws_eks_cluster\./);
  });

  test("installs Airbyte's chart airbyte 2.2.0 from its repository, credentials as sensitive values", () => {
    const release = onlyResource(k8s, 'helm_release') as Record<string, any>;
    expect(release).toMatchObject({ chart: 'airbyte', version: '2.2.0', repository: 'https://airbytehq.github.io/charts', name: 'airbyte', wait: true });
    expect(release.values[0]).toContain('"type" = "s3"');
    expect(release.values[0]).toContain('"authenticationType" = "instanceProfile"');
    expect(release.set_sensitive.map((s: { name: string }) => s.name)).toEqual(['global.auth.instanceAdmin.clientId', 'global.auth.instanceAdmin.clientSecret']);
    expect(release.set_sensitive[1].value).toMatch(/data\.aws_secretsmanager_secret_version\.airbyte-api-credentials/);
  });

  test('the orchestrator: bundle in an immutable ConfigMap from a file asset, checked by sha256 in a pinned Node.js image', () => {
    const configMap = onlyResource(k8s, 'kubernetes_config_map_v1') as Record<string, any>;
    expect(configMap.immutable).toBe(true);
    expect(configMap.binary_data['orchestrator.js.gz']).toMatch(/^\$\{base64gzip\(file\("assets\/.+\/orchestrator\.js"\)\)\}$/);
    // (Beside the source preparation CronJob, __tests__/stacks/kubernetes-source-preparation.test.ts.)
    const manifests = values(k8s, 'kubernetes_manifest').map((r) => (r as Record<string, any>).manifest);
    expect(manifests.map((m) => m.kind).sort()).toEqual(['CronJob', 'Deployment']);
    const deployment = manifests.find((m) => m.kind === 'Deployment');
    const spec = deployment.spec.template.spec;
    expect(spec.initContainers.map((c: { name: string }) => c.name)).toEqual(['verify-bundle', 'fetch-config']);
    expect(spec.initContainers[0].image).toMatch(/^public\.ecr\.aws\/docker\/library\/node:\d+\.\d+\.\d+-/);
    expect(spec.initContainers[0].env[0]).toEqual({ name: 'BUNDLE_SHA256', value: prodEnv.stacks.kubernetes!.orchestrator.bundleSha256 });
    expect(spec.serviceAccountName).toBe('cdc-orchestrator');
    expect(spec.nodeSelector).toEqual({ 'cdc/pool': 'services' });
    const main = spec.containers[0];
    expect(main.livenessProbe.exec.command.join(' ')).toContain('/healthz');
    expect(main.readinessProbe.exec.command.join(' ')).toContain('/healthz');
    expect(main.env.find((e: { name: string }) => e.name === 'AIRBYTE_API_URL').value).toBe('http://airbyte-airbyte-server-svc.airbyte:8001/api/public/v1');
    expect(main.env.find((e: { name: string }) => e.name === 'AIRBYTE_CLIENT_SECRET').valueFrom.secretKeyRef).toEqual({ name: 'cdc-orchestrator', key: 'AIRBYTE_CLIENT_SECRET' });
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.strategy).toEqual({ type: 'Recreate' });
  });

  test('Kubernetes secrets are filled from Secrets Manager references only', () => {
    for (const secret of values(k8s, 'kubernetes_secret_v1')) {
      for (const value of Object.values(secret.data as Record<string, string>)) expect(value).toMatch(/^\$\{.*data\.aws_secretsmanager_secret_version\./);
    }
  });
});

describe('eks-helm ephemeral environment (pr-77)', () => {
  test('uses the created network: private subnets in two AZs for the cluster', () => {
    const cluster = onlyResource(prEnv.aws, 'aws_eks_cluster') as Record<string, any>;
    expect(cluster.vpc_config.subnet_ids).toHaveLength(2);
    for (const id of cluster.vpc_config.subnet_ids) expect(id).toMatch(/^\$\{aws_subnet\.network_host-\d_[^.]+\.id\}$/);
  });

  test('is teardown-friendly: no deletion protection, no final snapshot, bucket deletable', () => {
    expect(onlyResource(prEnv.aws, 'aws_eks_cluster').deletion_protection).toBe(false);
    const airbyteDb = values(prEnv.aws, 'aws_db_instance').find((d) => d.identifier === 'cdc-pr-77-airbyte')!;
    expect(airbyteDb).toMatchObject({ deletion_protection: false, skip_final_snapshot: true, multi_az: false, backup_retention_period: 1 });
    expect(onlyResource(prEnv.aws, 'aws_s3_bucket').force_destroy).toBe(true);
  });

  test('has its own kubernetes stack, named for the environment', () => {
    expect(prEnv.stacks.kubernetes!.node.id).toBe('pr-77-kubernetes');
    expect(onlyResource(prEnv.kubernetes!, 'helm_release').version).toBe('2.2.0');
  });

  test('dev itself stays on one host', () => {
    const devEnv = synthEnvironment(dev);
    expect(devEnv.kubernetes).toBeUndefined();
    expect(resourcesOf(devEnv.aws, 'aws_instance')).toHaveLength(1);
    expect(resourcesOf(devEnv.aws, 'aws_eks_cluster')).toEqual([]);
    expect(dataOf(devEnv.aws, 'aws_eks_cluster')).toEqual([]);
  });
});
