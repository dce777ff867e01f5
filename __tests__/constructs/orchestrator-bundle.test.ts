import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { OrchestratorBundle, OrchestratorBundleProps } from '../../constructs/orchestrator-bundle';
import { buildConstruct, expectPropsError, single } from '../support/construct';
import { fakeBundlePath } from '../support/synth';

const KEY = 'arn:aws:kms:eu-west-1:111111111111:key/x';
const base: OrchestratorBundleProps = { bundlePath: fakeBundlePath(), bucketName: 'cdc-test-assets', bucketArn: 'arn:aws:s3:::cdc-test-assets', kmsKeyArn: KEY };

function build(props: Partial<OrchestratorBundleProps> = {}) {
  return buildConstruct((stack) => new OrchestratorBundle(stack, 'bundle', { ...base, ...props }));
}

describe('OrchestratorBundle', () => {
  test('uploads the file under a key carrying its sha256, KMS-encrypted, and exposes the hash the host verifies', () => {
    const { json, construct: bundle } = build();
    const sha = crypto.createHash('sha256').update(fs.readFileSync(base.bundlePath)).digest('hex');
    expect(bundle.sha256).toBe(sha);
    expect(bundle.objectKey).toBe(`orchestrator/${sha.slice(0, 16)}/orchestrator.js`);
    expect(bundle.objectArn).toBe(`arn:aws:s3:::cdc-test-assets/orchestrator/${sha.slice(0, 16)}/orchestrator.js`);
    expect(single(json, 'aws_s3_object')).toMatchObject({
      bucket: 'cdc-test-assets', key: bundle.objectKey, kms_key_id: KEY, server_side_encryption: 'aws:kms', content_type: 'application/javascript',
    });
  });

  test('another file content is another object key', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-'));
    const other = path.join(dir, 'orchestrator.js');
    fs.writeFileSync(other, '// another release\n');
    expect(build({ bundlePath: other }).construct.objectKey).not.toBe(build().construct.objectKey);
  });

  test('refuses a bundle path that does not exist, saying how to build it', () => {
    expectPropsError(
      () => build({ bundlePath: '/nonexistent/orchestrator.js' }),
      'OrchestratorBundle test/bundle: bundlePath /nonexistent/orchestrator.js does not exist; run `npm run build:orchestrator` (npm run synth does it for you)',
    );
  });
});
