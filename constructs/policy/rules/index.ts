import { PolicyRule } from '../types';
import { bigQueryNotPublic } from './bigquery-not-public';
import { ebsInstanceVolumesEncrypted } from './ebs-instance-volumes-encrypted';
import { ebsVolumeEncrypted } from './ebs-volume-encrypted';
import { ec2ImdsV2Required } from './ec2-imdsv2-required';
import { ec2MetadataHopLimit } from './ec2-metadata-hop-limit';
import { eksControlPlaneLogging } from './eks-control-plane-logging';
import { eksEndpointNotPublic } from './eks-endpoint-not-public';
import { eksNodeGroupImds } from './eks-node-group-imds';
import { eksSecretsEncrypted } from './eks-secrets-encrypted';
import { gcpNoPrimitiveRoles } from './gcp-no-primitive-roles';
import { iamNoAccessKeys } from './iam-no-access-keys';
import { iamNoWildcardAction } from './iam-no-wildcard-action';
import { iamNoWildcardResource } from './iam-no-wildcard-resource';
import { noClearTextSecrets } from './no-cleartext-secrets';
import { rdsBackups } from './rds-backups';
import { rdsDeletionProtection } from './rds-deletion-protection';
import { rdsForceSsl } from './rds-force-ssl';
import { rdsNotPublic } from './rds-not-public';
import { rdsStorageEncrypted } from './rds-storage-encrypted';
import { s3Encrypted } from './s3-encrypted';
import { s3PublicAccessBlocked } from './s3-public-access-blocked';
import { secretsManagerKms } from './secretsmanager-kms';
import { sgAirbytePortClosed } from './sg-airbyte-port-closed';
import { sgNoOpenIngress } from './sg-no-open-ingress';
import { sgRulesDescribed } from './sg-rules-described';
import { snsTopicSubscribed } from './sns-topic-subscribed';

export {
  bigQueryNotPublic, ebsInstanceVolumesEncrypted, ebsVolumeEncrypted, ec2ImdsV2Required, ec2MetadataHopLimit,
  eksControlPlaneLogging, eksEndpointNotPublic, eksNodeGroupImds, eksSecretsEncrypted,
  gcpNoPrimitiveRoles, iamNoAccessKeys, iamNoWildcardAction, iamNoWildcardResource, noClearTextSecrets, rdsBackups,
  rdsDeletionProtection, rdsForceSsl, rdsNotPublic, rdsStorageEncrypted, s3Encrypted, s3PublicAccessBlocked,
  secretsManagerKms, sgAirbytePortClosed, sgNoOpenIngress, sgRulesDescribed, snsTopicSubscribed,
};
export { RESOURCE_WILDCARD_ALLOWED_ACTIONS } from './iam-resource-wildcard-allowlist';

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
