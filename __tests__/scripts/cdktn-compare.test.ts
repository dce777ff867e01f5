import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { compareOutputs } = require('../../scripts/cdktn-compare.js') as {
  compareOutputs: (a: string, b: string) => { differences: string[]; versions: { cdktf: Set<string>; cdktn: Set<string> }; stackJsons: string[] };
};

/**
 * The comparison behind `npm run compare:cdktn` (scripts/cdktn-compare.js), on two hand-made output
 * directories laid out as cdktf writes them (<outdir>/stacks/<stack>/cdk.tf.json, assets beside).
 * The run against the real cdktn package needs the npm registry and is the npm script itself.
 */
const made: string[] = [];
afterAll(() => made.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

function output(stacks: Record<string, unknown>, assets: Record<string, string> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdktn-compare-test-'));
  made.push(dir);
  for (const [stack, json] of Object.entries(stacks)) {
    fs.mkdirSync(path.join(dir, 'stacks', stack), { recursive: true });
    fs.writeFileSync(path.join(dir, 'stacks', stack, 'cdk.tf.json'), JSON.stringify(json, null, 2));
  }
  for (const [file, content] of Object.entries(assets)) {
    fs.mkdirSync(path.dirname(path.join(dir, 'stacks', file)), { recursive: true });
    fs.writeFileSync(path.join(dir, 'stacks', file), content);
  }
  return dir;
}

const stack = (version: string, extra: Record<string, unknown> = {}) => ({
  '//': { metadata: { backend: 's3', stackName: 'dev-aws', version }, outputs: {} },
  resource: { aws_s3_bucket: { assets: { bucket_prefix: 'cdc-dev-assets-', ...extra } } },
});

describe('compare:cdktn output comparison', () => {
  test('outputs that differ only in the metadata version string are identical', () => {
    const result = compareOutputs(output({ 'dev-aws': stack('0.21.0') }, { 'dev-aws/assets/a/x.js': 'x' }), output({ 'dev-aws': stack('0.24.0') }, { 'dev-aws/assets/a/x.js': 'x' }));
    expect(result.differences).toEqual([]);
    expect([...result.versions.cdktf]).toEqual(['0.21.0']);
    expect([...result.versions.cdktn]).toEqual(['0.24.0']);
    expect(result.stackJsons).toEqual([path.join('dev-aws', 'cdk.tf.json')]);
  });

  test('every other difference is reported by JSON path with both values', () => {
    const result = compareOutputs(
      output({ 'dev-aws': stack('0.21.0', { force_destroy: false }) }),
      output({ 'dev-aws': { ...stack('0.24.0', { force_destroy: true, tags: { a: 'b' } }), '//': { metadata: { backend: 'local', stackName: 'dev-aws', version: '0.24.0' }, outputs: {} } } }),
    );
    expect(result.differences).toEqual([
      'stacks/dev-aws/cdk.tf.json: //.metadata.backend: cdktf "s3" | cdktn "local"',
      'stacks/dev-aws/cdk.tf.json: resource.aws_s3_bucket.assets.force_destroy: cdktf false | cdktn true',
      'stacks/dev-aws/cdk.tf.json: resource.aws_s3_bucket.assets.tags: cdktf (absent) | cdktn {"a":"b"}',
    ]);
  });

  test('a stack or file on one side only, and a changed asset, are differences', () => {
    const result = compareOutputs(
      output({ 'dev-aws': stack('0.21.0'), 'dev-gcp': stack('0.21.0') }, { 'dev-aws/assets/a/x.js': 'one' }),
      output({ 'dev-aws': stack('0.24.0') }, { 'dev-aws/assets/a/x.js': 'two!' }),
    );
    expect(result.differences).toEqual([
      'stacks/dev-aws/assets/a/x.js: contents differ (3 vs 4 bytes)',
      'stacks/dev-gcp/cdk.tf.json: only in the cdktf output',
    ]);
  });
});
