import { Construct } from 'constructs';
import { DataAwsIamPolicyDocument, DataAwsIamPolicyDocumentStatement } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { InvalidPropsError } from './errors';
import { checkInteger, checkPattern } from './prop-checks';
import { suppressRule } from './policy';

export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';
export const GITHUB_OIDC_URL = `https://${GITHUB_OIDC_HOST}`;
/** The audience GitHub's AWS credential action asks for. */
export const GITHUB_OIDC_AUDIENCE = 'sts.amazonaws.com';

/** Which jobs of the repository may assume a role: those of one GitHub environment, or pull requests. */
export type GithubJobs = { readonly environment: string } | 'pull_request';

/** The `sub` claim GitHub puts in a job's OIDC token. */
export function githubSubject(owner: string, repository: string, jobs: GithubJobs): string {
  return jobs === 'pull_request' ? `repo:${owner}/${repository}:pull_request` : `repo:${owner}/${repository}:environment:${jobs.environment}`;
}

/** A customer managed policy made from statements and attached to the role. */
export interface GithubRolePolicy {
  /** Construct id stem of the policy's document, policy and attachment; unique within the role. */
  readonly id: string;
  /** IAM policy name. */
  readonly name: string;
  readonly description: string;
  /** At least one. IAM caps a managed policy at 6,144 characters: split big grants over several policies. */
  readonly statements: readonly DataAwsIamPolicyDocumentStatement[];
  /**
   * Policy rules this document is exempt from, each with its reason (constructs/policy, `suppressRule`).
   * @default none
   */
  readonly suppressions?: Readonly<Record<string, string>>;
}

export interface GithubOidcRoleProps {
  /** ARN of the account's OIDC provider for `token.actions.githubusercontent.com` (a reference is fine). */
  readonly oidcProviderArn: string;
  /** Repository owner (user or organisation), as in github.com/<owner>/<repository>. */
  readonly owner: string;
  readonly repository: string;
  /** The jobs that may assume the role; the trust policy names exactly their `sub`. */
  readonly trustedJobs: GithubJobs;
  /** IAM role name. */
  readonly roleName: string;
  readonly description: string;
  /**
   * Longest session, in seconds (3600 to 43200).
   * @default IAM's, one hour (the attribute is left unset)
   */
  readonly maxSessionDuration?: number;
  /** The role's permissions, one managed policy each, attached in this order. At least one. */
  readonly policies: readonly GithubRolePolicy[];
}

/** A GitHub owner, repository or environment name. */
export const GITHUB_NAME = /^[A-Za-z0-9_.-]{1,100}$/;
export const GITHUB_NAME_EXPECTED = 'a GitHub name (letters, digits, ".", "_", "-")';
/** An `id` stem callers give for the elements a construct makes per entry (policies, service accounts). */
export const ID_STEM = /^[a-z0-9][a-z0-9-]*$/;
export const ID_STEM_EXPECTED = 'lowercase letters, digits and "-"';
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

/**
 * An IAM role that GitHub Actions jobs of one repository assume with their OIDC token
 * (`sts:AssumeRoleWithWebIdentity`): trusted only for the exact `sub` of the given jobs and the
 * `sts.amazonaws.com` audience, with the given customer managed policies attached. No keys: the
 * job gets short-lived credentials.
 */
export class GithubOidcRole extends Construct {
  readonly role: IamRole;
  readonly roleArn: string;
  readonly roleName: string;
  /** The managed policies, by their `id`. */
  readonly policies: Readonly<Record<string, IamPolicy>>;

  constructor(scope: Construct, id: string, props: GithubOidcRoleProps) {
    super(scope, id);
    validate(`GithubOidcRole ${this.node.path}`, props);
    const trust = new DataAwsIamPolicyDocument(this, 'trust', {
      statement: [
        {
          sid: 'GitHubActionsOidc',
          effect: 'Allow',
          actions: ['sts:AssumeRoleWithWebIdentity'],
          principals: [{ type: 'Federated', identifiers: [props.oidcProviderArn] }],
          // StringEquals, not StringLike: only this exact subject of this repository.
          condition: [
            { test: 'StringEquals', variable: `${GITHUB_OIDC_HOST}:aud`, values: [GITHUB_OIDC_AUDIENCE] },
            { test: 'StringEquals', variable: `${GITHUB_OIDC_HOST}:sub`, values: [githubSubject(props.owner, props.repository, props.trustedJobs)] },
          ],
        },
      ],
    });
    this.role = new IamRole(this, 'role', {
      name: props.roleName,
      description: props.description,
      assumeRolePolicy: trust.json,
      maxSessionDuration: props.maxSessionDuration,
    });
    this.roleArn = this.role.arn;
    this.roleName = props.roleName;
    const policies: Record<string, IamPolicy> = {};
    for (const spec of props.policies) {
      const document = new DataAwsIamPolicyDocument(this, `${spec.id}-document`, { statement: [...spec.statements] });
      for (const [rule, reason] of Object.entries(spec.suppressions ?? {})) suppressRule(document, rule, reason);
      const policy = new IamPolicy(this, `${spec.id}-policy`, { name: spec.name, description: spec.description, policy: document.json });
      new IamRolePolicyAttachment(this, `${spec.id}-attachment`, { role: this.role.name, policyArn: policy.arn });
      policies[spec.id] = policy;
    }
    this.policies = policies;
  }
}

function validate(where: string, props: GithubOidcRoleProps): void {
  const fail = (message: string) => new InvalidPropsError(`${where}: ${message}`);
  checkPattern(where, 'oidcProviderArn', props.oidcProviderArn, /^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/, `the ARN of a ${GITHUB_OIDC_HOST} OIDC provider`);
  for (const field of ['owner', 'repository'] as const) checkPattern(where, field, props[field], GITHUB_NAME, GITHUB_NAME_EXPECTED);
  if (props.trustedJobs !== 'pull_request' && !GITHUB_NAME.test(props.trustedJobs?.environment ?? '')) {
    throw fail(`trustedJobs must be 'pull_request' or { environment: <GitHub environment name> } (got ${JSON.stringify(props.trustedJobs)})`);
  }
  checkPattern(where, 'roleName', props.roleName, ROLE_NAME, 'an IAM role name (at most 64 of letters, digits, +=,.@_-)');
  checkInteger(where, 'maxSessionDuration', props.maxSessionDuration, 3600, 43200);
  if (props.policies.length === 0) throw fail('policies is empty; a role that may do nothing is not needed');
  const ids = new Set<string>();
  for (const [i, policy] of props.policies.entries()) {
    checkPattern(where, `policies[${i}].id`, policy.id, ID_STEM, ID_STEM_EXPECTED);
    if (ids.has(policy.id)) throw fail(`policies[${i}].id "${policy.id}" is used twice`);
    ids.add(policy.id);
    if (policy.statements.length === 0) throw fail(`policies[${i}] ("${policy.id}") has no statements`);
  }
}
