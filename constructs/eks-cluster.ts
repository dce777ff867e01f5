import { InvalidPropsError } from './errors';
import { checkInteger } from './prop-checks';
import { Construct } from 'constructs';
import { Fn, ITerraformDependable, TerraformIterator } from 'cdktf';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { DataAwsIamSessionContext } from '@cdktf/provider-aws/lib/data-aws-iam-session-context';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition';
import { EksAccessEntry } from '@cdktf/provider-aws/lib/eks-access-entry';
import { EksAccessPolicyAssociation } from '@cdktf/provider-aws/lib/eks-access-policy-association';
import { EksAddon } from '@cdktf/provider-aws/lib/eks-addon';
import { EksCluster as EksClusterResource } from '@cdktf/provider-aws/lib/eks-cluster';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';

/** Every control-plane log type EKS can ship to CloudWatch Logs. */
export const EKS_CONTROL_PLANE_LOG_TYPES: readonly string[] = ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'];

/** The add-ons a cluster running Airbyte needs: pod networking, DNS, service routing, Pod Identity. */
export const EKS_REQUIRED_ADDONS: readonly string[] = ['vpc-cni', 'kube-proxy', 'coredns', 'eks-pod-identity-agent'];

export interface EksClusterProps {
  /** Cluster name (1–100 letters, digits, hyphens, underscores, starting with a letter or digit). */
  readonly clusterName: string;
  /** Kubernetes version, e.g. "1.35". */
  readonly kubernetesVersion: string;
  /** Private subnets in at least 2 availability zones (outbound through NAT). */
  readonly subnetIds: string[];
  /** KMS key that envelope-encrypts Kubernetes secrets. */
  readonly kmsKeyArn: string;
  /**
   * CIDRs allowed on the public API endpoint. Empty: the endpoint is private only. `0.0.0.0/0`
   * is refused.
   * @default []
   */
  readonly endpointPublicAccessCidrs?: string[];
  /** IAM roles given cluster admin through access entries; the applying principal is always added. @default [] */
  readonly adminRoleArns?: string[];
  /** IAM roles given read-only access (AmazonEKSAdminViewPolicy). @default [] */
  readonly viewerRoleArns?: string[];
  /** Days CloudWatch keeps the control-plane logs. @default 90 */
  readonly logRetentionInDays?: number;
  /** Refuse `terraform destroy` of the cluster until lifted. @default true */
  readonly deletionProtection?: boolean;
  /** Permissions boundary of the IAM roles created here (accounts set up by the bootstrap stack require it). @default none */
  readonly permissionsBoundaryArn?: string;
  /** @default {} */
  readonly tags?: Record<string, string>;
}

/**
 * An EKS control plane: API authentication mode with access entries (no aws-auth ConfigMap),
 * Kubernetes secrets envelope-encrypted with the environment key, every control-plane log type
 * on, the endpoint private unless CIDRs are named, standard support only (no extended-support
 * fees). Node groups attach to `clusterSecurityGroupId`.
 */
export class EksCluster extends Construct {
  readonly cluster: EksClusterResource;
  readonly clusterName: string;
  readonly clusterArn: string;
  readonly endpoint: string;
  readonly certificateAuthorityData: string;
  /** The security group EKS creates for the control plane and managed nodes (pods use it too). */
  readonly clusterSecurityGroupId: string;
  /** Add-ons nodes need before they become Ready (pod networking, service routing, Pod Identity): node groups depend on them. */
  readonly nodeAddons: EksAddon[];
  private coreDns?: EksAddon;

  constructor(scope: Construct, id: string, props: EksClusterProps) {
    super(scope, id);
    const where = `EksCluster ${this.node.path}`;
    if (!/^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/.test(props.clusterName)) {
      throw new InvalidPropsError(`${where}: clusterName ${JSON.stringify(props.clusterName)} must be 1–100 letters, digits, hyphens or underscores`);
    }
    if (!/^1\.\d{2}$/.test(props.kubernetesVersion)) {
      throw new InvalidPropsError(`${where}: kubernetesVersion ${JSON.stringify(props.kubernetesVersion)} must look like "1.35"`);
    }
    if (props.subnetIds.length < 2) {
      throw new InvalidPropsError(`${where}: subnetIds needs at least 2 subnets in different availability zones, got ${props.subnetIds.length}`);
    }
    checkInteger(where, 'logRetentionInDays', props.logRetentionInDays, 1);
    const cidrs = props.endpointPublicAccessCidrs ?? [];
    for (const cidr of cidrs) {
      if (/\/0$/.test(cidr)) {
        throw new InvalidPropsError(`${where}: endpointPublicAccessCidrs contains ${cidr}, which opens the cluster API to the internet; name your ranges or leave it empty for a private endpoint`);
      }
    }
    const partition = new DataAwsPartition(this, 'partition');

    const assumeRole = new DataAwsIamPolicyDocument(this, 'assume-role', {
      statement: [{ actions: ['sts:AssumeRole', 'sts:TagSession'], principals: [{ type: 'Service', identifiers: ['eks.amazonaws.com'] }] }],
    });
    const role = new IamRole(this, 'role', { namePrefix: `${props.clusterName}-cluster-`.slice(0, 38), assumeRolePolicy: assumeRole.json, permissionsBoundary: props.permissionsBoundaryArn, tags: props.tags });
    const clusterPolicy = new IamRolePolicyAttachment(this, 'cluster-policy', {
      role: role.name,
      policyArn: `arn:${partition.partition}:iam::aws:policy/AmazonEKSClusterPolicy`,
    });
    // Envelope encryption of secrets: the control plane uses the key through its role.
    const keyUse = new DataAwsIamPolicyDocument(this, 'key-use', {
      statement: [{ sid: 'EnvelopeEncryptSecrets', actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ListGrants', 'kms:DescribeKey'], resources: [props.kmsKeyArn] }],
    });
    const keyPolicy = new IamRolePolicy(this, 'key-policy', { name: 'secrets-encryption', role: role.id, policy: keyUse.json });

    // Created before the cluster so EKS does not create it without retention.
    const logs = new CloudwatchLogGroup(this, 'logs', {
      name: `/aws/eks/${props.clusterName}/cluster`,
      retentionInDays: props.logRetentionInDays ?? 90,
      tags: props.tags,
    });

    this.cluster = new EksClusterResource(this, 'cluster', {
      name: props.clusterName,
      version: props.kubernetesVersion,
      roleArn: role.arn,
      vpcConfig: {
        subnetIds: props.subnetIds,
        endpointPrivateAccess: true,
        endpointPublicAccess: cidrs.length > 0,
        publicAccessCidrs: cidrs.length > 0 ? cidrs : undefined,
      },
      accessConfig: { authenticationMode: 'API', bootstrapClusterCreatorAdminPermissions: false },
      encryptionConfig: { resources: ['secrets'], provider: { keyArn: props.kmsKeyArn } },
      enabledClusterLogTypes: [...EKS_CONTROL_PLANE_LOG_TYPES],
      upgradePolicy: { supportType: 'STANDARD' },
      deletionProtection: props.deletionProtection ?? true,
      // Add-ons are managed below as EKS add-ons; the self-managed copies would be duplicates.
      bootstrapSelfManagedAddons: false,
      tags: props.tags,
      dependsOn: [clusterPolicy, keyPolicy, logs],
    });
    this.clusterName = this.cluster.name;
    this.clusterArn = this.cluster.arn;
    this.endpoint = this.cluster.endpoint;
    this.certificateAuthorityData = this.cluster.certificateAuthority.get(0).data;
    this.clusterSecurityGroupId = this.cluster.vpcConfig.clusterSecurityGroupId;

    // Access entries: the principal applying this stack (so the next stacks can reach the
    // cluster) plus the configured roles, deduplicated so a listed deploy role is not created twice.
    const caller = new DataAwsCallerIdentity(this, 'caller');
    const session = new DataAwsIamSessionContext(this, 'caller-session', { arn: caller.arn });
    const admins = TerraformIterator.fromList(Fn.distinct(Fn.concat([props.adminRoleArns ?? [], [session.issuerArn]])));
    const adminEntry = new EksAccessEntry(this, 'admin-entry', {
      forEach: admins,
      clusterName: this.cluster.name,
      principalArn: admins.value,
      type: 'STANDARD',
      tags: props.tags,
    });
    new EksAccessPolicyAssociation(this, 'admin-policy', {
      forEach: admins,
      clusterName: this.cluster.name,
      principalArn: admins.value,
      policyArn: `arn:${partition.partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy`,
      accessScope: { type: 'cluster' },
      dependsOn: [adminEntry],
    });
    this.nodeAddons = EKS_REQUIRED_ADDONS.filter((name) => name !== 'coredns').map((name) => this.addon(name));

    const viewerRoleArns = props.viewerRoleArns ?? [];
    viewerRoleArns.forEach((arn, i) => {
      const entry = new EksAccessEntry(this, `viewer-entry-${i}`, { clusterName: this.cluster.name, principalArn: arn, type: 'STANDARD', tags: props.tags });
      new EksAccessPolicyAssociation(this, `viewer-policy-${i}`, {
        clusterName: this.cluster.name,
        principalArn: arn,
        policyArn: `arn:${partition.partition}:eks::aws:cluster-access-policy/AmazonEKSAdminViewPolicy`,
        accessScope: { type: 'cluster' },
        dependsOn: [entry],
      });
    });
  }

  /** coredns runs as pods, so it only becomes healthy once nodes exist: pass the node groups. */
  installCoreDns(nodeGroups: ITerraformDependable[]): EksAddon {
    this.coreDns ??= this.addon('coredns', nodeGroups);
    return this.coreDns;
  }

  private addon(name: string, after?: ITerraformDependable[]): EksAddon {
    // No addon_version: EKS installs the default version for the cluster's Kubernetes version.
    return new EksAddon(this, `addon-${name}`, {
      clusterName: this.cluster.name,
      addonName: name,
      resolveConflictsOnCreate: 'OVERWRITE',
      resolveConflictsOnUpdate: 'OVERWRITE',
      dependsOn: after,
    });
  }
}
