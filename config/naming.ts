/** Every name derived from an environment name: stacks, resources, Postgres objects, parameters. One rule each, used by the config, the stacks, the constructs' callers and the orchestrator. */

export type StackRole = 'aws' | 'gcp' | 'kubernetes' | 'airbyte';

/** In deploy order; `kubernetes` exists only for eks-helm hosting. */
export const STACK_ROLES: readonly StackRole[] = ['aws', 'gcp', 'kubernetes', 'airbyte'];

/** `<env>-aws`, `<env>-gcp`, (`<env>-kubernetes`), `<env>-airbyte`: selectable as `cdktf deploy '<env>-*'`. */
export function stackName(environment: string, role: StackRole): string {
  return `${environment}-${role}`;
}

/** SSM parameter the Airbyte stack writes and the orchestrator on the host reads. */
export function orchestratorConfigParameterName(environment: string): string {
  return `/${environment}/cdc/orchestrator-config`;
}

/** SSM parameter the AWS stack writes: the orchestrator release files with their sha256 (host-release). */
export function hostReleaseParameterName(environment: string): string {
  return `/${environment}/cdc/host-release`;
}

/** SSM parameter the AWS stack writes: what cdc-prepare-source prepares on the host. */
export function sourcePreparationParameterName(environment: string): string {
  return `/${environment}/cdc/source-preparation`;
}

/** Prefix for AWS resource names of an environment. */
export function awsNamePrefix(environment: string): string {
  return `cdc-${environment}`;
}

/** The GitHub environment whose jobs deploy pull request environments (`pr-<n>`, `test-<x>`). */
export const EPHEMERAL_GITHUB_ENVIRONMENT = 'ephemeral';

/** The GitHub environment (and so the deploy role) that deploys an environment. */
export function deployGithubEnvironment(environment: string, ephemeral: boolean): string {
  return ephemeral ? EPHEMERAL_GITHUB_ENVIRONMENT : environment;
}

/**
 * The permissions boundary the bootstrap stack creates for the roles a GitHub environment's
 * deploy role may create; the deploy role can create a role only with it attached.
 */
export function roleBoundaryPolicyName(githubEnvironment: string): string {
  return `cdc-github-${githubEnvironment}-role-boundary`;
}

/**
 * Postgres identifiers derived from the environment name (hyphens become underscores; Postgres
 * identifiers are lowercase). The Airbyte stack's defaults, prepare-source, retire-source, the WAL
 * guard and the orchestrator all act on these, so they are derived here only.
 */
function postgresStem(environment: string): string {
  return environment.replace(/-/g, '_').toLowerCase();
}

/** The default logical replication slot (pgoutput) of an environment: `airbyte_<env>_slot`. */
export function replicationSlotName(environment: string): string {
  return `airbyte_${postgresStem(environment)}_slot`;
}

/** The default publication of an environment: `airbyte_<env>_publication`. */
export function publicationName(environment: string): string {
  return `airbyte_${postgresStem(environment)}_publication`;
}

/** The default Airbyte workspace of an environment. */
export function workspaceName(environment: string): string {
  return awsNamePrefix(environment);
}

/** An ephemeral environment's own BigQuery dataset suffix, e.g. `pr_123` for `pr-123`. */
export function datasetSuffix(environment: string): string {
  return postgresStem(environment);
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

/** The default id of an environment's own GCP service account (the one Airbyte's destination uses). */
export function gcpServiceAccountId(environment: string): string {
  return `airbyte-${environment}`;
}
