import { InvalidPropsError } from './errors';
import { checkPattern } from './prop-checks';
import { Construct } from 'constructs';
import { ITerraformDependable } from 'cdktf';
import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition';
import { EksNodeGroup as EksNodeGroupResource } from '@cdktf/provider-aws/lib/eks-node-group';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { LaunchTemplate } from '@cdktf/provider-aws/lib/launch-template';

/** What EksNodeGroup uses when a prop is omitted; the environment schema (config/schema.ts) takes its defaults from here. */
export const EKS_NODE_GROUP_DEFAULTS = {
  diskGiB: 100,
} as const;

/** A Kubernetes taint on every node of the group. */
export interface NodeTaint {
  readonly key: string;
  readonly value: string;
  readonly effect: 'NO_SCHEDULE' | 'NO_EXECUTE' | 'PREFER_NO_SCHEDULE';
}

export interface EksNodeGroupProps {
  /** Prefix of the role and launch template names (the environment's, e.g. "cdc-prod"). */
  readonly namePrefix: string;
  /** Name of the EKS cluster (a reference is fine). */
  readonly clusterName: string;
  /** Short role of the group, used in names and the `cdc/pool` label, e.g. "services", "jobs". */
  readonly pool: string;
  /** Private subnets of the cluster. */
  readonly subnetIds: string[];
  readonly instanceType: string;
  readonly minSize: number;
  readonly desiredSize: number;
  readonly maxSize: number;
  /** Encrypted gp3 root volume per node, GiB. @default EKS_NODE_GROUP_DEFAULTS.diskGiB */
  readonly diskGiB?: number;
  /** Extra Kubernetes labels; `cdc/pool = <pool>` is always set. @default {} */
  readonly labels?: Record<string, string>;
  /** @default [] */
  readonly taints?: NodeTaint[];
  /** Resources the nodes need before they can become Ready (the cluster's networking add-ons). @default [] */
  readonly dependsOn?: ITerraformDependable[];
  /** Permissions boundary of the IAM roles created here (accounts set up by the bootstrap stack require it). @default none */
  readonly permissionsBoundaryArn?: string;
  /** @default {} */
  readonly tags?: Record<string, string>;
}

/** The label every node group sets, so pods can be pinned to a pool with a nodeSelector. */
export const POOL_LABEL = 'cdc/pool';

/**
 * A managed node group on Amazon Linux 2023 whose launch template requires IMDSv2 with hop limit
 * 1 (pods cannot borrow the node role; they get credentials from EKS Pod Identity) and encrypts
 * the root volume. The node role has only the three policies a worker node needs.
 */
export class EksNodeGroup extends Construct {
  readonly nodeGroup: EksNodeGroupResource;
  readonly launchTemplate: LaunchTemplate;
  readonly roleArn: string;
  /** Labels Kubernetes sees on the nodes (for nodeSelectors). */
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly NodeTaint[];

  constructor(scope: Construct, id: string, props: EksNodeGroupProps) {
    super(scope, id);
    const where = `EksNodeGroup ${this.node.path}`;
    if (!/^[a-z][a-z0-9-]{0,19}$/.test(props.pool)) {
      throw new InvalidPropsError(`${where}: pool ${JSON.stringify(props.pool)} must be 1–20 lowercase letters, digits or hyphens`);
    }
    if (props.subnetIds.length === 0) throw new InvalidPropsError(`${where}: subnetIds is empty; expected the cluster's private subnets`);
    checkPattern(where, 'instanceType', props.instanceType, /^[a-z0-9-]+\.[a-z0-9]+$/, 'an EC2 instance type such as m6i.xlarge');
    const { minSize, desiredSize, maxSize } = props;
    if (![minSize, desiredSize, maxSize].every(Number.isInteger) || minSize < 0 || maxSize < 1 || minSize > desiredSize || desiredSize > maxSize) {
      throw new InvalidPropsError(`${where}: expected integers with 0 ≤ minSize ≤ desiredSize ≤ maxSize and maxSize ≥ 1, got ${minSize}/${desiredSize}/${maxSize}`);
    }
    const diskGiB = props.diskGiB ?? EKS_NODE_GROUP_DEFAULTS.diskGiB;
    if (!Number.isInteger(diskGiB) || diskGiB < 20) {
      throw new InvalidPropsError(`${where}: diskGiB must be an integer ≥ 20 (images of Airbyte and its connectors), got ${diskGiB}`);
    }
    const partition = new DataAwsPartition(this, 'partition');
    const assumeRole = new DataAwsIamPolicyDocument(this, 'assume-role', {
      statement: [{ actions: ['sts:AssumeRole'], principals: [{ type: 'Service', identifiers: ['ec2.amazonaws.com'] }] }],
    });
    const role = new IamRole(this, 'role', { namePrefix: `${props.namePrefix}-eks-${props.pool}-`.slice(0, 38), assumeRolePolicy: assumeRole.json, permissionsBoundary: props.permissionsBoundaryArn, tags: props.tags });
    this.roleArn = role.arn;
    const attachments = ['AmazonEKSWorkerNodePolicy', 'AmazonEKS_CNI_Policy', 'AmazonEC2ContainerRegistryPullOnly'].map(
      (policy) => new IamRolePolicyAttachment(this, `policy-${policy}`, { role: role.name, policyArn: `arn:${partition.partition}:iam::aws:policy/${policy}` }),
    );

    this.launchTemplate = new LaunchTemplate(this, 'launch-template', {
      namePrefix: `${props.namePrefix}-eks-${props.pool}-`,
      description: `EKS ${props.pool} nodes: IMDSv2 only, hop limit 1, encrypted root volume`,
      updateDefaultVersion: true,
      metadataOptions: {
        httpEndpoint: 'enabled',
        httpTokens: 'required',
        // 1: a pod (one network hop further) cannot reach the node's credentials.
        httpPutResponseHopLimit: 1,
        instanceMetadataTags: 'disabled',
      },
      blockDeviceMappings: [
        {
          deviceName: '/dev/xvda',
          // The AWS-managed EBS key: Auto Scaling launches these nodes through its service-linked
          // role, which a customer key would have to admit in its key policy.
          ebs: { volumeType: 'gp3', volumeSize: diskGiB, encrypted: 'true', deleteOnTermination: 'true' },
        },
      ],
      tagSpecifications: [{ resourceType: 'instance', tags: { ...(props.tags ?? {}), Name: `${props.namePrefix}-eks-${props.pool}` } }],
      tags: props.tags,
    });

    this.labels = { ...(props.labels ?? {}), [POOL_LABEL]: props.pool };
    this.taints = props.taints ?? [];
    this.nodeGroup = new EksNodeGroupResource(this, 'node-group', {
      clusterName: props.clusterName,
      nodeGroupNamePrefix: `${props.pool}-`,
      nodeRoleArn: role.arn,
      subnetIds: props.subnetIds,
      amiType: 'AL2023_x86_64_STANDARD',
      capacityType: 'ON_DEMAND',
      instanceTypes: [props.instanceType],
      scalingConfig: { minSize, desiredSize, maxSize },
      updateConfig: { maxUnavailable: 1 },
      launchTemplate: { id: this.launchTemplate.id, version: this.launchTemplate.latestVersion.toString() },
      labels: { ...this.labels },
      taint: this.taints.map((t) => ({ key: t.key, value: t.value, effect: t.effect })),
      tags: props.tags,
      lifecycle: { createBeforeDestroy: true },
      dependsOn: [...attachments, ...(props.dependsOn ?? [])],
    });
  }
}
