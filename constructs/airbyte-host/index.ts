import { InvalidPropsError } from '../errors';
import { AIRBYTE_HOST_ROLE } from '../../config/naming';
import { checkNamePrefix } from '../prop-checks';
import { Construct } from 'constructs';
import { ITerraformDependable } from 'cdktf';
import { DataAwsIamPolicyDocument, DataAwsIamPolicyDocumentStatement } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition';
import { DataAwsSsmParameter } from '@cdktf/provider-aws/lib/data-aws-ssm-parameter';
import { IamInstanceProfile } from '@cdktf/provider-aws/lib/iam-instance-profile';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { Instance } from '@cdktf/provider-aws/lib/instance';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VolumeAttachment } from '@cdktf/provider-aws/lib/volume-attachment';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';

/** What AirbyteHost uses when a prop is omitted; the environment schema (config/schema.ts) takes its defaults from here. */
export const AIRBYTE_HOST_DEFAULTS = {
  /** 4 vCPU / 16 GiB, Airbyte's recommended size. */
  instanceType: 'm6i.xlarge',
  rootVolumeGiB: 100,
} as const;

/** Exactly what the host may touch; every entry is a full ARN (no wildcards). */
export interface AirbyteHostGrants {
  /** Secrets the host reads (GetSecretValue). @default [] */
  readonly readSecretArns?: string[];
  /** Secrets the host writes (PutSecretValue), e.g. the Airbyte API credentials. @default [] */
  readonly writeSecretArns?: string[];
  /** SSM parameters the host reads. @default [] */
  readonly readParameterArns?: string[];
  /** S3 objects the host downloads (the orchestrator bundle). @default [] */
  readonly readObjectArns?: string[];
  /** KMS keys protecting those secrets/objects (Decrypt, and GenerateDataKey for writes). @default [] */
  readonly kmsKeyArns?: string[];
}

export interface AirbyteHostProps {
  /** Prefix for names (lowercase, hyphens). */
  readonly namePrefix: string;
  readonly vpcId: string;
  /** Private subnet with outbound internet (NAT) for Docker images. */
  readonly subnetId: string;
  /** @default AIRBYTE_HOST_DEFAULTS.instanceType */
  readonly instanceType?: string;
  /** gp3 root volume in GiB; Airbyte needs ≥ 50. @default 100 */
  readonly rootVolumeGiB?: number;
  /** KMS key encrypting the root volume. */
  readonly kmsKeyArn: string;
  /** cloud-init user-data (plain text; Terraform-escaped where it holds `${`). */
  readonly userData: string;
  /**
   * Replace the instance when the user-data changes, so a new boot script always runs on a
   * fresh host (`terraform plan` shows "forces replacement"). Keep the user-data free of what
   * changes often (the orchestrator bundle): with a data volume, a replacement keeps Airbyte's
   * state but still costs a reinstall of Airbyte.
   * @default true
   */
  readonly userDataReplaceOnChange?: boolean;
  /**
   * EBS volume (same availability zone) attached as `dataVolumeDeviceName`; the user-data mounts
   * it. Detaching stops the instance first, so the file system is unmounted cleanly.
   * @default no data volume
   */
  readonly dataVolumeId?: string;
  /** @default "/dev/sdf" */
  readonly dataVolumeDeviceName?: string;
  /** Resources the instance must wait for, e.g. its subnet's NAT route. @default [] */
  readonly dependsOn?: ITerraformDependable[];
  /** @default {} */
  readonly grants?: AirbyteHostGrants;
  /**
   * Public SSM parameter holding the AMI id.
   * @default "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
   */
  readonly amiParameterName?: string;
  /**
   * Permissions boundary of the host's role: where deploy roles may only create roles that
   * carry one (the bootstrap stack's). @default no boundary
   */
  readonly permissionsBoundaryArn?: string;
  /** @default {} */
  readonly tags?: Record<string, string>;
}

/**
 * The EC2 host that runs Airbyte (abctl) and the orchestrator. No inbound rule at all:
 * operators reach it through SSM Session Manager. IMDSv2 only with hop limit 1 (pods in the
 * kind cluster cannot borrow the instance role), encrypted gp3 root, and a role limited to
 * SSM core plus the ARNs in `grants`.
 */
export class AirbyteHost extends Construct {
  readonly instance: Instance;
  readonly instanceId: string;
  readonly securityGroupId: string;
  readonly roleName: string;
  readonly roleArn: string;

  constructor(scope: Construct, id: string, props: AirbyteHostProps) {
    super(scope, id);
    const where = `AirbyteHost ${this.node.path}`;
    checkNamePrefix(where, props.namePrefix);
    const rootVolumeGiB = props.rootVolumeGiB ?? AIRBYTE_HOST_DEFAULTS.rootVolumeGiB;
    if (!Number.isInteger(rootVolumeGiB) || rootVolumeGiB < 50 || rootVolumeGiB > 16384) {
      throw new InvalidPropsError(`${where}: rootVolumeGiB must be an integer from 50 to 16384 (Airbyte's images and logs need 50; gp3 ends at 16384), got ${rootVolumeGiB}`);
    }
    const grants = props.grants ?? {};
    for (const [field, arns] of Object.entries(grants)) {
      for (const arn of arns as string[]) {
        if (typeof arn === 'string' && /\*/.test(arn)) {
          throw new InvalidPropsError(`${where}: grants.${field} contains a wildcard ARN ${JSON.stringify(arn)}; list exact ARNs`);
        }
      }
    }
    const partition = new DataAwsPartition(this, 'partition');

    const sg = new SecurityGroup(this, 'sg', {
      namePrefix: `${props.namePrefix}-airbyte-host-`,
      description: 'Airbyte host: no inbound rules, reached through SSM Session Manager only',
      vpcId: props.vpcId,
      tags: props.tags,
      lifecycle: { createBeforeDestroy: true },
    });
    this.securityGroupId = sg.id;
    // HTTPS out: SSM, S3, Secrets Manager, package repositories and container registries.
    new VpcSecurityGroupEgressRule(this, 'egress-https', {
      securityGroupId: sg.id,
      description: 'HTTPS to AWS APIs, package repositories and container registries',
      ipProtocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      cidrIpv4: '0.0.0.0/0',
    });

    const assumeRole = new DataAwsIamPolicyDocument(this, 'assume-role', {
      statement: [{ actions: ['sts:AssumeRole'], principals: [{ type: 'Service', identifiers: ['ec2.amazonaws.com'] }] }],
    });
    const role = new IamRole(this, 'role', {
      namePrefix: `${props.namePrefix}-airbyte-host-`,
      assumeRolePolicy: assumeRole.json,
      permissionsBoundary: props.permissionsBoundaryArn,
      tags: props.tags,
    });
    this.roleName = role.name;
    this.roleArn = role.arn;
    new IamRolePolicyAttachment(this, 'ssm-core', {
      role: role.name,
      policyArn: `arn:${partition.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore`,
    });

    const statements: DataAwsIamPolicyDocumentStatement[] = [];
    const add = (sid: string, actions: string[], resources: string[] | undefined) => {
      if (resources && resources.length > 0) statements.push({ sid, actions, resources });
    };
    add('ReadOwnSecrets', ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], grants.readSecretArns);
    add('WriteAirbyteCredentials', ['secretsmanager:PutSecretValue', 'secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], grants.writeSecretArns);
    add('ReadOwnParameters', ['ssm:GetParameter', 'ssm:GetParameters'], grants.readParameterArns);
    add('ReadOrchestratorBundle', ['s3:GetObject', 's3:GetObjectVersion'], grants.readObjectArns);
    add('UseEnvironmentKey', ['kms:Decrypt', 'kms:GenerateDataKey'], grants.kmsKeyArns);
    if (statements.length > 0) {
      const access = new DataAwsIamPolicyDocument(this, 'access', { statement: statements });
      new IamRolePolicy(this, 'access-policy', { name: 'environment-access', role: role.id, policy: access.json });
    }
    const profile = new IamInstanceProfile(this, 'profile', { namePrefix: `${props.namePrefix}-airbyte-host-`, role: role.name, tags: props.tags });

    const ami = new DataAwsSsmParameter(this, 'ami', {
      name: props.amiParameterName ?? '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64',
    });
    this.instance = new Instance(this, 'instance', {
      ami: ami.value,
      instanceType: props.instanceType ?? AIRBYTE_HOST_DEFAULTS.instanceType,
      subnetId: props.subnetId,
      vpcSecurityGroupIds: [sg.id],
      iamInstanceProfile: profile.name,
      associatePublicIpAddress: false,
      monitoring: true,
      ebsOptimized: true,
      metadataOptions: {
        httpEndpoint: 'enabled',
        httpTokens: 'required',
        httpPutResponseHopLimit: 1,
        instanceMetadataTags: 'disabled',
      },
      rootBlockDevice: {
        volumeType: 'gp3',
        volumeSize: rootVolumeGiB,
        encrypted: true,
        kmsKeyId: props.kmsKeyArn,
        deleteOnTermination: true,
      },
      userData: props.userData,
      userDataReplaceOnChange: props.userDataReplaceOnChange ?? true,
      tags: { ...(props.tags ?? {}), Name: `${props.namePrefix}-airbyte-host`, Role: AIRBYTE_HOST_ROLE },
      // A newer AMI must not silently replace a running Airbyte host; roll it deliberately
      // (terraform apply -replace=...), see README "Upgrading the host".
      lifecycle: { ignoreChanges: ['ami'] },
      dependsOn: props.dependsOn && props.dependsOn.length > 0 ? [...props.dependsOn] : undefined,
    });
    this.instanceId = this.instance.id;
    if (props.dataVolumeId !== undefined) {
      new VolumeAttachment(this, 'data-volume', {
        deviceName: props.dataVolumeDeviceName ?? '/dev/sdf',
        instanceId: this.instance.id,
        volumeId: props.dataVolumeId,
        stopInstanceBeforeDetaching: true,
      });
    }
  }

  /** Allows the host to open connections to a security group on one TCP port (e.g. the database). */
  allowEgressTo(id: string, securityGroupId: string, port: number, description: string): void {
    new VpcSecurityGroupEgressRule(this, id, {
      securityGroupId: this.securityGroupId,
      description,
      ipProtocol: 'tcp',
      fromPort: port,
      toPort: port,
      referencedSecurityGroupId: securityGroupId,
    });
  }
}
