import { PolicyRule } from './types';
import { bigQueryNotPublic } from './rules/bigquery-not-public';
import { ebsInstanceVolumesEncrypted } from './rules/ebs-instance-volumes-encrypted';
import { ebsVolumeEncrypted } from './rules/ebs-volume-encrypted';
import { ec2ImdsV2Required } from './rules/ec2-imdsv2-required';
import { ec2MetadataHopLimit } from './rules/ec2-metadata-hop-limit';
import { eksControlPlaneLogging } from './rules/eks-control-plane-logging';
import { eksEndpointNotPublic } from './rules/eks-endpoint-not-public';
import { eksNodeGroupImds } from './rules/eks-node-group-imds';
import { eksSecretsEncrypted } from './rules/eks-secrets-encrypted';
import { gcpNoPrimitiveRoles } from './rules/gcp-no-primitive-roles';
import { iamNoAccessKeys } from './rules/iam-no-access-keys';
import { iamNoWildcardAction } from './rules/iam-no-wildcard-action';
import { iamNoWildcardResource } from './rules/iam-no-wildcard-resource';
import { noClearTextSecrets } from './rules/no-cleartext-secrets';
import { rdsBackups } from './rules/rds-backups';
import { rdsDeletionProtection } from './rules/rds-deletion-protection';
import { rdsForceSsl } from './rules/rds-force-ssl';
import { rdsNotPublic } from './rules/rds-not-public';
import { rdsStorageEncrypted } from './rules/rds-storage-encrypted';
import { s3Encrypted } from './rules/s3-encrypted';
import { s3PublicAccessBlocked } from './rules/s3-public-access-blocked';
import { secretsManagerKms } from './rules/secretsmanager-kms';
import { sgAirbytePortClosed } from './rules/sg-airbyte-port-closed';
import { sgNoOpenIngress } from './rules/sg-no-open-ingress';
import { sgRulesDescribed } from './rules/sg-rules-described';
import { snsTopicSubscribed } from './rules/sns-topic-subscribed';

export {
  bigQueryNotPublic, ebsInstanceVolumesEncrypted, ebsVolumeEncrypted, ec2ImdsV2Required, ec2MetadataHopLimit,
  eksControlPlaneLogging, eksEndpointNotPublic, eksNodeGroupImds, eksSecretsEncrypted,
  gcpNoPrimitiveRoles, iamNoAccessKeys, iamNoWildcardAction, iamNoWildcardResource, noClearTextSecrets, rdsBackups,
  rdsDeletionProtection, rdsForceSsl, rdsNotPublic, rdsStorageEncrypted, s3Encrypted, s3PublicAccessBlocked,
  secretsManagerKms, sgAirbytePortClosed, sgNoOpenIngress, sgRulesDescribed, snsTopicSubscribed,
};
export { RESOURCE_WILDCARD_ALLOWED_ACTIONS } from './helpers/iam-resource-wildcard-allowlist';

/** Every rule of the pack, in the order RULES.md lists them. */
export const ALL_RULES: readonly PolicyRule[] = [
  ec2ImdsV2Required,
  ec2MetadataHopLimit,
  ebsInstanceVolumesEncrypted,
  ebsVolumeEncrypted,
  sgNoOpenIngress,
  sgRulesDescribed,
  sgAirbytePortClosed,
  rdsStorageEncrypted,
  rdsNotPublic,
  rdsForceSsl,
  rdsDeletionProtection,
  rdsBackups,
  s3PublicAccessBlocked,
  s3Encrypted,
  iamNoWildcardAction,
  iamNoWildcardResource,
  iamNoAccessKeys,
  eksEndpointNotPublic,
  eksSecretsEncrypted,
  eksControlPlaneLogging,
  eksNodeGroupImds,
  secretsManagerKms,
  snsTopicSubscribed,
  bigQueryNotPublic,
  gcpNoPrimitiveRoles,
  noClearTextSecrets,
];
