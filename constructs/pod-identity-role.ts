import { InvalidPropsError } from './errors';
import { checkKubernetesName, checkPattern } from './prop-checks';
import { Construct } from 'constructs';
import { DataAwsIamPolicyDocument, DataAwsIamPolicyDocumentStatement } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { EksPodIdentityAssociation } from '@cdktf/provider-aws/lib/eks-pod-identity-association';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';

export interface PodIdentityRoleProps {
  /** EKS cluster name (a reference is fine). */
  readonly clusterName: string;
  /** Namespace of the service account. */
  readonly namespace: string;
  /** Service account whose pods receive the role's credentials. */
  readonly serviceAccount: string;
  /** Short name used in the role name prefix. */
  readonly name: string;
  /** What the pods may do: exact resources, no `*` alone. At least one statement. */
  readonly statements: DataAwsIamPolicyDocumentStatement[];
  /** Permissions boundary of the IAM roles created here (accounts set up by the bootstrap stack require it). @default none */
  readonly permissionsBoundaryArn?: string;
  /** @default {} */
  readonly tags?: Record<string, string>;
}

/**
 * An IAM role for one Kubernetes service account through EKS Pod Identity: trusted only by the
 * Pod Identity service (`pods.eks.amazonaws.com`), associated with exactly that namespace and
 * service account, with an inline policy of the given statements. No access keys anywhere: the
 * Pod Identity agent hands the pods short-lived credentials.
 */
export class PodIdentityRole extends Construct {
  readonly roleArn: string;
  readonly association: EksPodIdentityAssociation;

  constructor(scope: Construct, id: string, props: PodIdentityRoleProps) {
    super(scope, id);
    const where = `PodIdentityRole ${this.node.path}`;
    if (props.statements.length === 0) throw new InvalidPropsError(`${where}: statements is empty; a role that may do nothing needs no association`);
    for (const [i, statement] of props.statements.entries()) {
      for (const resource of statement.resources ?? []) {
        if (resource === '*') throw new InvalidPropsError(`${where}: statements[${i}] grants on Resource "*"; name the bucket, secrets or parameters`);
      }
    }
    checkKubernetesName(where, 'namespace', props.namespace);
    checkPattern(where, 'name', props.name, /^[A-Za-z0-9][A-Za-z0-9_-]{0,32}$/, '1–33 letters, digits, "-" or "_" (it goes into IAM names)');
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(props.serviceAccount)) {
      throw new InvalidPropsError(`${where}: serviceAccount ${JSON.stringify(props.serviceAccount)} is not a Kubernetes name`);
    }
    // sts:TagSession: Pod Identity tags the session with the cluster, namespace and service account.
    const trust = new DataAwsIamPolicyDocument(this, 'trust', {
      statement: [{ actions: ['sts:AssumeRole', 'sts:TagSession'], principals: [{ type: 'Service', identifiers: ['pods.eks.amazonaws.com'] }] }],
    });
    const role = new IamRole(this, 'role', { namePrefix: `cdc-${props.name}-`.slice(0, 38), assumeRolePolicy: trust.json, permissionsBoundary: props.permissionsBoundaryArn, tags: props.tags });
    this.roleArn = role.arn;
    const access = new DataAwsIamPolicyDocument(this, 'access', { statement: props.statements });
    new IamRolePolicy(this, 'access-policy', { name: `${props.name}-access`, role: role.id, policy: access.json });
    this.association = new EksPodIdentityAssociation(this, 'association', {
      clusterName: props.clusterName,
      namespace: props.namespace,
      serviceAccount: props.serviceAccount,
      roleArn: role.arn,
      tags: props.tags,
    });
  }
}
