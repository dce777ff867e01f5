/**
 * Every name derived from an environment name: stacks, resources, Postgres objects, parameters,
 * ephemeral environment names. One rule each, used by the config, the stacks, the constructs'
 * callers and the orchestrator; the operator scripts read the same rules from
 * scripts/lib/naming.sh, which `npm run docs` writes from NAME_RULES and NAMING_CONSTANTS.
 */

/**
 * The rules as templates, so TypeScript and the shell apply the same text. A placeholder
 * `{arg}` is an argument (in order of first appearance), and
 * `{environment|postgres}` is the environment name as a Postgres identifier stem (hyphens become
 * underscores, lowercase: Postgres folds unquoted identifiers).
 */
const AWS_PREFIX = 'cdc-{environment}';
const POSTGRES_STEM = '{environment|postgres}';
const PULL_REQUEST_PREFIX = 'pr-';

export const NAME_RULES = {
  stackName: '{environment}-{role}',
  awsNamePrefix: AWS_PREFIX,
  workspaceName: AWS_PREFIX,
  airbyteNamePrefix: AWS_PREFIX,
  orchestratorConnectionName: AWS_PREFIX,
  eksClusterName: AWS_PREFIX,
  alertTopicName: `${AWS_PREFIX}-alerts`,
  assetsBucketPrefix: `${AWS_PREFIX}-assets`,
  airbyteStorageBucketPrefix: `${AWS_PREFIX}-airbyte-storage`,
  airbyteCredentialsSecretPrefix: `${AWS_PREFIX}/airbyte/api-credentials-`,
  alertWebhookSecretPrefix: `${AWS_PREFIX}/alerts/webhook-url-`,
  orchestratorConfigParameterName: '/{environment}/cdc/orchestrator-config',
  hostReleaseParameterName: '/{environment}/cdc/host-release',
  sourcePreparationParameterName: '/{environment}/cdc/source-preparation',
  roleBoundaryPolicyName: 'cdc-github-{githubEnvironment}-role-boundary',
  replicationSlotName: `airbyte_${POSTGRES_STEM}_slot`,
  publicationName: `airbyte_${POSTGRES_STEM}_publication`,
  datasetSuffix: POSTGRES_STEM,
  ephemeralDatasetId: `cdc_${POSTGRES_STEM}`,
  pullRequestEnvironmentName: `${PULL_REQUEST_PREFIX}{number}`,
  stateKey: '{keyPrefix}/{environment}/{stack}.tfstate',
  gcpServiceAccountId: 'airbyte-{environment}',
} as const;

export type NameRule = keyof typeof NAME_RULES;

/** Fixed names and patterns the stacks and the operator scripts share. */
export const NAMING_CONSTANTS = {
  /** What an environment name may be: it goes into stack, resource and Postgres names (2–20 chars). */
  ENVIRONMENT_NAME_PATTERN: '^[a-z][a-z0-9-]{1,19}$',
  /** The GitHub environment whose jobs deploy pull request environments (`pr-<n>`, `test-<x>`). */
  EPHEMERAL_GITHUB_ENVIRONMENT: 'ephemeral',
  /**
   * Names an ephemeral environment may take: pr-<number> or test-<word>. Written so that a
   * JavaScript RegExp and a bash `[[ =~ ]]` (POSIX ERE) read it the same (no `\d`).
   */
  EPHEMERAL_ENVIRONMENT_PATTERN: `^(${PULL_REQUEST_PREFIX}[0-9]{1,6}|test-[a-z0-9]{1,14})$`,
  /** Pull request environments only (the sweep destroys those whose pull request is closed). */
  PULL_REQUEST_ENVIRONMENT_PATTERN: `^${PULL_REQUEST_PREFIX}[0-9]{1,6}$`,
  /** `Role` tag of the Airbyte host instance (ec2-abctl); the scripts find the host by it and `Environment`. */
  AIRBYTE_HOST_ROLE: 'airbyte-host',
} as const;

export const { EPHEMERAL_GITHUB_ENVIRONMENT, AIRBYTE_HOST_ROLE } = NAMING_CONSTANTS;

const PLACEHOLDER = /\{([A-Za-z]+)(\|postgres)?\}/g;

/** The arguments a rule takes, in order of first appearance (the TypeScript function's and the shell function's order). */
export function ruleArguments(rule: NameRule): string[] {
  return [...new Set([...NAME_RULES[rule].matchAll(PLACEHOLDER)].map((m) => m[1]))];
}

/** The Postgres form of an environment name: hyphens become underscores, lowercase. */
export function postgresStem(environment: string): string {
  return environment.replace(/-/g, '_').toLowerCase();
}

/** Applies a rule to its arguments; `render('stackName', { environment: 'dev', role: 'aws' })` is `dev-aws`. */
export function render(rule: NameRule, values: Readonly<Record<string, string>>): string {
  return NAME_RULES[rule].replace(PLACEHOLDER, (_, name: string, postgres?: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`naming rule ${rule} needs a value for {${name}}`);
    return postgres ? postgresStem(value) : value;
  });
}

export type StackRole = 'aws' | 'gcp' | 'kubernetes' | 'airbyte';

/** In deploy order; `kubernetes` exists only for eks-helm hosting. */
export const STACK_ROLES: readonly StackRole[] = ['aws', 'gcp', 'kubernetes', 'airbyte'];

/** `<env>-aws`, `<env>-gcp`, (`<env>-kubernetes`), `<env>-airbyte`: selectable as `cdktf deploy '<env>-*'`. */
export function stackName(environment: string, role: StackRole): string {
  return render('stackName', { environment, role });
}

/** Where an S3 backend keeps a stack's state: `<keyPrefix>/<env>/<stack>.tfstate` (stack.sh deletes `<keyPrefix>/<env>/` after a destroy). */
export function stateKey(keyPrefix: string, environment: string, stack: string): string {
  return render('stateKey', { keyPrefix, environment, stack });
}

/** SSM parameter the Airbyte stack writes and the orchestrator on the host reads. */
export function orchestratorConfigParameterName(environment: string): string {
  return render('orchestratorConfigParameterName', { environment });
}

/** SSM parameter the AWS stack writes: the orchestrator release files with their sha256 (host-release). */
export function hostReleaseParameterName(environment: string): string {
  return render('hostReleaseParameterName', { environment });
}

/** SSM parameter the AWS stack writes: what cdc-prepare-source prepares on the host. */
export function sourcePreparationParameterName(environment: string): string {
  return render('sourcePreparationParameterName', { environment });
}

/** Prefix for AWS resource names of an environment (`cdc-<env>`); the constructs name their resources from it. */
export function awsNamePrefix(environment: string): string {
  return render('awsNamePrefix', { environment });
}

/** The EKS cluster of an eks-helm environment (tunnel.sh's default `--cluster`). */
export function eksClusterName(environment: string): string {
  return render('eksClusterName', { environment });
}

/** The SNS topic the WAL alarms notify, when the environment names no topic of its own. */
export function alertTopicName(environment: string): string {
  return render('alertTopicName', { environment });
}

/** Name prefix of the private bucket carrying the orchestrator release (ec2-abctl). */
export function assetsBucketPrefix(environment: string): string {
  return render('assetsBucketPrefix', { environment });
}

/** Name prefix of Airbyte's storage bucket (eks-helm). */
export function airbyteStorageBucketPrefix(environment: string): string {
  return render('airbyteStorageBucketPrefix', { environment });
}

/** Name prefix of the secret holding the Airbyte API client id/secret. */
export function airbyteCredentialsSecretPrefix(environment: string): string {
  return render('airbyteCredentialsSecretPrefix', { environment });
}

/** Name prefix of the operator-filled secret holding the alert webhook URL. */
export function alertWebhookSecretPrefix(environment: string): string {
  return render('alertWebhookSecretPrefix', { environment });
}

/** The GitHub environment (and so the deploy role) that deploys an environment. */
export function deployGithubEnvironment(environment: string, ephemeral: boolean): string {
  return ephemeral ? EPHEMERAL_GITHUB_ENVIRONMENT : environment;
}

/**
 * The permissions boundary the bootstrap stack creates for the roles a GitHub environment's
 * deploy role may create; the deploy role can create a role only with it attached.
 */
export function roleBoundaryPolicyName(githubEnvironment: string): string {
  return render('roleBoundaryPolicyName', { githubEnvironment });
}

/**
 * The default logical replication slot (pgoutput) of an environment: `airbyte_<env>_slot`. The
 * Airbyte stack's defaults, prepare-source, retire-source, the WAL guard and the orchestrator all
 * act on it, so it is derived here only.
 */
export function replicationSlotName(environment: string): string {
  return render('replicationSlotName', { environment });
}

/** The default publication of an environment: `airbyte_<env>_publication`. */
export function publicationName(environment: string): string {
  return render('publicationName', { environment });
}

/** The default Airbyte workspace of an environment. */
export function workspaceName(environment: string): string {
  return render('workspaceName', { environment });
}

/** Prefix of the Airbyte source, destination and connection names (`<prefix>-postgres`, …). */
export function airbyteNamePrefix(environment: string): string {
  return render('airbyteNamePrefix', { environment });
}

/** The name the orchestrator's configuration gives the environment's connection. */
export function orchestratorConnectionName(environment: string): string {
  return render('orchestratorConnectionName', { environment });
}

/** The default id of the GCP service account Airbyte's BigQuery destination uses. */
export function gcpServiceAccountId(environment: string): string {
  return render('gcpServiceAccountId', { environment });
}

/** An ephemeral environment's own BigQuery dataset suffix, e.g. `pr_123` for `pr-123`. */
export function datasetSuffix(environment: string): string {
  return render('datasetSuffix', { environment });
}

/** An ephemeral environment's own BigQuery dataset, e.g. `cdc_pr_123` for `pr-123`. */
export function ephemeralDatasetId(environment: string): string {
  return render('ephemeralDatasetId', { environment });
}

/** The ephemeral environment of a pull request: `pr-<number>` (the ephemeral workflow deploys it). */
export function pullRequestEnvironmentName(number: number | string): string {
  return render('pullRequestEnvironmentName', { number: String(number) });
}

const EPHEMERAL_ENVIRONMENT = new RegExp(NAMING_CONSTANTS.EPHEMERAL_ENVIRONMENT_PATTERN);

/** Whether a name is an ephemeral environment's (`pr-<number>` or `test-<word>`). */
export function isEphemeralEnvironmentName(name: string): boolean {
  return EPHEMERAL_ENVIRONMENT.test(name);
}

// ---- bootstrap (stacks/bootstrap-stack.ts): the delivery roles and accounts of a target ----------

/** `bootstrap-<target>`. */
export function bootstrapStackName(target: string): string {
  return `bootstrap-${target}`;
}

/** The alias of a bootstrap target's Terraform state key. */
export function stateKeyAliasName(target: string): string {
  return `alias/cdc-terraform-state-${target}`;
}

/** The AWS role a GitHub environment's deploy jobs assume (the workflows' AWS_DEPLOY_ROLE_ARN). */
export function deployRoleName(githubEnvironment: string): string {
  return `cdc-github-deploy-${githubEnvironment}`;
}

/** The AWS role pull request plans assume (the workflows' AWS_PLAN_ROLE_ARN). */
export const PLAN_ROLE_NAME = 'cdc-github-plan';

/** The GCP service account id (at most 30 characters) a GitHub environment's deploy jobs impersonate. */
export function deployServiceAccountId(githubEnvironment: string): string {
  return `cdc-deploy-${githubEnvironment}`.slice(0, 30);
}

/** The GCP service account id pull request plans impersonate. */
export const PLAN_SERVICE_ACCOUNT_ID = 'cdc-plan';

