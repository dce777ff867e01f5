import { AWS_REGIONS } from './allowed-values';
import { ENVIRONMENT_DEFAULTS } from './schema';
import { ConfigValidationError } from './validate';

/**
 * What the delivery workflows need in one AWS account and one GCP project, created once by hand
 * with `BOOTSTRAP=<target> npx cdktf deploy bootstrap-<target>` (README, "Delivery").
 *
 * One target serves one or more GitHub environments: typically `nonprod` (dev + ephemeral pull
 * request environments, which share dev's account and project) and `prod`.
 */
export interface BootstrapConfig {
  /** Target name: the stack is `bootstrap-<name>`. Lowercase letters, digits, hyphens. */
  readonly name: string;
  readonly github: {
    /** Repository owner (user or organisation), as in github.com/<owner>/<repository>. */
    readonly owner: string;
    readonly repository: string;
    /**
     * GitHub environments whose jobs may deploy with this target's roles: one deploy role and
     * one deploy service account each, trusted only for `repo:<owner>/<repository>:environment:<name>`.
     */
    readonly environments: readonly string[];
    /**
     * GitHub environment whose jobs plan this target's environments in pull requests: the plan
     * role and service account trust only `repo:<owner>/<repository>:environment:<name>`.
     * Protect it like the deploy environment (required reviewers) so no pull request gets
     * credentials for these environments before a reviewer approves (`plan-prod` for prod).
     * @default unset: trusted for `repo:<owner>/<repository>:pull_request` (any same-repository pull request)
     */
    readonly planEnvironment?: string;
  };
  readonly aws: {
    readonly region: string;
    /** The account this target is deployed to; the provider refuses any other. */
    readonly accountId: string;
    /** Terraform state bucket (globally unique name); the environments' `backend.bucket`. */
    readonly stateBucketName: string;
    /** Key prefix of the environments' state (`backend.keyPrefix`). @default "cdc-bigquery" */
    readonly stateKeyPrefix?: string;
    /**
     * An account holds one OIDC provider per issuer URL. Leave unset to create it; give its ARN
     * when another stack already created `token.actions.githubusercontent.com`.
     */
    readonly existingOidcProviderArn?: string;
  };
  readonly gcp: {
    readonly projectId: string;
    /** @default "github-actions" */
    readonly workloadIdentityPoolId?: string;
    /** @default "github" */
    readonly workloadIdentityProviderId?: string;
    /**
     * Project roles of the deploy service accounts: what `<env>-gcp` creates (dataset and its
     * IAM, service account + key, project-level jobUser binding, GCS staging bucket + HMAC key).
     */
    readonly deployRoles?: readonly string[];
    /** Project roles of the plan-only service account (pull request plans). */
    readonly planRoles?: readonly string[];
  };
  /** @default {} */
  readonly tags?: Readonly<Record<string, string>>;
}

/** A bootstrap target with every default applied. */
export interface ResolvedBootstrapConfig {
  readonly name: string;
  readonly github: { readonly owner: string; readonly repository: string; readonly environments: readonly string[]; readonly planEnvironment?: string };
  readonly aws: {
    readonly region: string;
    readonly accountId: string;
    readonly stateBucketName: string;
    readonly stateKeyPrefix: string;
    readonly existingOidcProviderArn?: string;
  };
  readonly gcp: {
    readonly projectId: string;
    readonly workloadIdentityPoolId: string;
    readonly workloadIdentityProviderId: string;
    readonly deployRoles: readonly string[];
    readonly planRoles: readonly string[];
  };
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * The bootstrap stack puts IAM conditions on the escalating ones (projectIamAdmin may grant only
 * the roles the GCP stack grants; the service-account roles reach only the environments' own
 * service accounts); serviceAccountCreator stays unconditioned because creation is checked on
 * the project, where no account name exists yet.
 */
export const DEFAULT_GCP_DEPLOY_ROLES: readonly string[] = [
  'roles/bigquery.admin',
  'roles/iam.serviceAccountCreator',
  'roles/iam.serviceAccountAdmin',
  'roles/iam.serviceAccountKeyAdmin',
  'roles/resourcemanager.projectIamAdmin',
  'roles/storage.admin',
  'roles/storage.hmacKeyAdmin',
];

export const DEFAULT_GCP_PLAN_ROLES: readonly string[] = [
  'roles/browser',
  'roles/bigquery.metadataViewer',
  'roles/iam.serviceAccountViewer',
  'roles/iam.securityReviewer',
];

/** Primitive roles would hand the whole project to whoever runs a workflow (policy CDC-GCP-1). */
const PRIMITIVE_ROLES = ['roles/owner', 'roles/editor', 'roles/viewer'];

/**
 * The checked-in targets, with placeholders that synth without credentials. Replace them before
 * the first deploy: the account ids must match `aws.allowedAccountIds` of the environments, the
 * bucket names their `backend.bucket`.
 */
export const BOOTSTRAP_TARGETS: readonly BootstrapConfig[] = [
  {
    name: 'nonprod',
    github: { owner: 'example-org', repository: 'cdc-bigquery-stack', environments: ['dev', 'ephemeral'] },
    aws: { region: 'eu-west-1', accountId: '222222222222', stateBucketName: 'example-terraform-state-dev' },
    gcp: { projectId: 'example-data-dev' },
    tags: { Project: 'cdc-bigquery', Owner: 'data-platform' },
  },
  {
    name: 'prod',
    github: { owner: 'example-org', repository: 'cdc-bigquery-stack', environments: ['prod'], planEnvironment: 'plan-prod' },
    aws: { region: 'eu-west-1', accountId: '111111111111', stateBucketName: 'example-terraform-state-prod' },
    gcp: { projectId: 'example-data-prod' },
    tags: { Project: 'cdc-bigquery', Owner: 'data-platform' },
  },
];

/** Thrown for an invalid bootstrap target; lists every problem with the field that has it. */
export class BootstrapConfigError extends ConfigValidationError {
  constructor(target: string, problems: readonly string[]) {
    super(`bootstrap-${target}`, problems);
    this.message =
      `bootstrap target "${target}" (config/bootstrap.ts) has ${problems.length} invalid setting${problems.length === 1 ? '' : 's'}:\n` +
      problems.map((p) => `  - ${p}`).join('\n');
    this.name = 'BootstrapConfigError';
  }
}

const NAME = /^[a-z][a-z0-9-]{0,19}$/;
// GitHub: owner 1–39 alphanumerics/hyphens; repository letters, digits, ., _, -.
const GITHUB_OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const GITHUB_REPOSITORY = /^[A-Za-z0-9._-]{1,100}$/;
const GITHUB_ENVIRONMENT = /^[a-z][a-z0-9-]{0,19}$/;
const AWS_ACCOUNT = /^\d{12}$/;
// S3 bucket naming rules, without the dotted forms (virtual-host TLS breaks on dots).
const BUCKET = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
const KEY_PREFIX = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
const OIDC_PROVIDER_ARN = /^arn:aws[\w-]*:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/;
const GCP_PROJECT = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
// Pool and provider ids: 4–32 lowercase letters, digits, hyphens; "gcp-" is reserved.
const WIF_ID = /^(?!gcp-)[a-z0-9-]{4,32}$/;
const GCP_ROLE = /^(roles\/[A-Za-z0-9_.]+|projects\/[a-z][a-z0-9-]+\/roles\/[A-Za-z0-9_.]+)$/;

/**
 * Checks one target and applies defaults. Every problem is collected so one run lists them all,
 * each naming its field (`github.owner: ...`).
 */
export function validateBootstrapConfig(config: BootstrapConfig): ResolvedBootstrapConfig {
  const problems: string[] = [];
  const show = (value: unknown) => JSON.stringify(value);
  const name = typeof config?.name === 'string' ? config.name : '?';
  if (!NAME.test(config?.name ?? '')) problems.push(`name: ${show(config?.name)} must be 1–20 lowercase letters, digits or hyphens, starting with a letter`);

  const github = config?.github;
  if (!github) problems.push('github: missing; expected { owner, repository, environments }');
  else {
    if (!GITHUB_OWNER.test(github.owner ?? '')) problems.push(`github.owner: ${show(github.owner)} is not a GitHub user or organisation name`);
    if (!GITHUB_REPOSITORY.test(github.repository ?? '')) problems.push(`github.repository: ${show(github.repository)} is not a GitHub repository name`);
    if (!Array.isArray(github.environments) || github.environments.length === 0) {
      problems.push('github.environments: expected at least one GitHub environment name (e.g. ["dev", "ephemeral"])');
    } else {
      github.environments.forEach((env, i) => {
        if (!GITHUB_ENVIRONMENT.test(env)) problems.push(`github.environments[${i}]: ${show(env)} must be 1–20 lowercase letters, digits or hyphens`);
      });
      const duplicates = github.environments.filter((e, i) => github.environments.indexOf(e) !== i);
      if (duplicates.length > 0) problems.push(`github.environments: ${show(duplicates[0])} is listed twice`);
    }
    if (github.planEnvironment !== undefined) {
      if (!GITHUB_ENVIRONMENT.test(github.planEnvironment)) problems.push(`github.planEnvironment: ${show(github.planEnvironment)} must be 1–20 lowercase letters, digits or hyphens`);
      else if (Array.isArray(github.environments) && github.environments.includes(github.planEnvironment)) {
        problems.push(`github.planEnvironment: ${show(github.planEnvironment)} is also a deploy environment; plans need their own (e.g. "plan-prod")`);
      }
    }
  }

  const aws = config?.aws;
  if (!aws) problems.push('aws: missing; expected { region, accountId, stateBucketName }');
  else {
    if (!AWS_REGIONS.includes(aws.region)) problems.push(`aws.region: ${show(aws.region)} is not an AWS region we deploy to`);
    if (!AWS_ACCOUNT.test(aws.accountId ?? '')) problems.push(`aws.accountId: ${show(aws.accountId)} must be the 12-digit account id`);
    if (!BUCKET.test(aws.stateBucketName ?? '')) problems.push(`aws.stateBucketName: ${show(aws.stateBucketName)} must be 3–63 lowercase letters, digits or hyphens (no dots)`);
    if (aws.stateKeyPrefix !== undefined && !KEY_PREFIX.test(aws.stateKeyPrefix)) {
      problems.push(`aws.stateKeyPrefix: ${show(aws.stateKeyPrefix)} must be one path segment of letters, digits, ".", "_" or "-"`);
    }
    if (aws.existingOidcProviderArn !== undefined) {
      if (!OIDC_PROVIDER_ARN.test(aws.existingOidcProviderArn)) {
        problems.push(`aws.existingOidcProviderArn: ${show(aws.existingOidcProviderArn)} must be arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com`);
      } else if (AWS_ACCOUNT.test(aws.accountId ?? '') && !aws.existingOidcProviderArn.includes(`::${aws.accountId}:`)) {
        problems.push(`aws.existingOidcProviderArn: belongs to another account than aws.accountId ${aws.accountId}`);
      }
    }
  }

  const gcp = config?.gcp;
  if (!gcp) problems.push('gcp: missing; expected { projectId }');
  else {
    if (!GCP_PROJECT.test(gcp.projectId ?? '')) problems.push(`gcp.projectId: ${show(gcp.projectId)} is not a GCP project id (6–30 lowercase letters, digits, hyphens)`);
    for (const field of ['workloadIdentityPoolId', 'workloadIdentityProviderId'] as const) {
      const value = gcp[field];
      if (value !== undefined && !WIF_ID.test(value)) problems.push(`gcp.${field}: ${show(value)} must be 4–32 lowercase letters, digits or hyphens, not starting with "gcp-"`);
    }
    for (const field of ['deployRoles', 'planRoles'] as const) {
      const roles = gcp[field];
      if (roles === undefined) continue;
      if (!Array.isArray(roles) || roles.length === 0) {
        problems.push(`gcp.${field}: expected a non-empty list of roles (omit it for the defaults)`);
        continue;
      }
      roles.forEach((role, i) => {
        if (PRIMITIVE_ROLES.includes(role)) problems.push(`gcp.${field}[${i}]: ${show(role)} is a primitive role; grant predefined roles that name what is needed`);
        else if (!GCP_ROLE.test(role)) problems.push(`gcp.${field}[${i}]: ${show(role)} is not a role name (roles/<name> or projects/<project>/roles/<name>)`);
      });
    }
  }
  if (problems.length > 0) throw new BootstrapConfigError(name, problems);

  return {
    name: config.name,
    github: { owner: github.owner, repository: github.repository, environments: [...github.environments], planEnvironment: github.planEnvironment },
    aws: {
      region: aws.region,
      accountId: aws.accountId,
      stateBucketName: aws.stateBucketName,
      stateKeyPrefix: aws.stateKeyPrefix ?? ENVIRONMENT_DEFAULTS.backendKeyPrefix,
      existingOidcProviderArn: aws.existingOidcProviderArn,
    },
    gcp: {
      projectId: gcp.projectId,
      workloadIdentityPoolId: gcp.workloadIdentityPoolId ?? 'github-actions',
      workloadIdentityProviderId: gcp.workloadIdentityProviderId ?? 'github',
      deployRoles: [...(gcp.deployRoles ?? DEFAULT_GCP_DEPLOY_ROLES)],
      planRoles: [...(gcp.planRoles ?? DEFAULT_GCP_PLAN_ROLES)],
    },
    tags: { ...(config.tags ?? {}) },
  };
}

/**
 * The targets selected by `BOOTSTRAP`: unset/empty → none (the everyday synth stays the
 * environments' stacks only), `1`/`all` → every target, otherwise comma-separated target names.
 */
export function selectBootstrapTargets(value: string | undefined, targets: readonly BootstrapConfig[] = BOOTSTRAP_TARGETS): ResolvedBootstrapConfig[] {
  const wanted = value?.trim() ?? '';
  if (wanted === '' || wanted === '0') return [];
  const names = wanted === '1' || wanted === 'all' ? targets.map((t) => t.name) : wanted.split(',').map((n) => n.trim()).filter(Boolean);
  const unknown = names.filter((n) => !targets.some((t) => t.name === n));
  if (unknown.length > 0) {
    throw new BootstrapConfigError(unknown[0], [
      `BOOTSTRAP: unknown target(s) ${unknown.join(', ')}; expected 1, all or some of: ${targets.map((t) => t.name).join(', ')}`,
    ]);
  }
  return targets.filter((t) => names.includes(t.name)).map((t) => validateBootstrapConfig(t));
}
