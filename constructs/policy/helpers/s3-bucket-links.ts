import { ResourceView, StackView } from '../types';
import { refersTo } from './attributes';

/**
 * The companion resources (public access block, encryption configuration, ...) that configure
 * `bucket`: those whose `bucket` attribute refers to it, or names it literally.
 */
export function companionsOf(bucket: ResourceView, stack: StackView, companionType: string): ResourceView[] {
  const bucketName = bucket.config.bucket;
  return stack.resourcesOfType(companionType).filter((companion) => {
    const target = companion.config.bucket;
    if (refersTo(target, 'aws_s3_bucket', bucket.logicalId)) return true;
    return typeof bucketName === 'string' && !bucketName.includes('${') && target === bucketName;
  });
}
