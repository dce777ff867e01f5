import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Aspects, IAspect, TerraformStack, Testing } from 'cdktf';
import { IConstruct } from 'constructs';
import { DbInstance } from '@cdktf/provider-aws/lib/db-instance';
import { DbParameterGroup } from '@cdktf/provider-aws/lib/db-parameter-group';
import { Instance } from '@cdktf/provider-aws/lib/instance';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import {
  ALL_RULES, applyPolicyPack, collectPolicyFindings, PolicyUsageError, RESOURCE_WILDCARD_ALLOWED_ACTIONS, suppressRule,
} from '../../constructs/policy';

const hardenedInstance = {
  ami: 'ami-1',
  metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 1 },
  rootBlockDevice: { encrypted: true },
};

let outdir: string;
let savedContinueFlag: string | undefined;

beforeEach(() => {
  outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'policy-engine-'));
  // The cdktf CLI sets this so it can print annotations itself; a plain app.synth() must not.
  savedContinueFlag = process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS;
  delete process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS;
});

afterEach(() => {
  fs.rmSync(outdir, { recursive: true, force: true });
  if (savedContinueFlag !== undefined) process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS = savedContinueFlag;
});

function newApp(): App {
  return new App({ outdir, skipValidation: true });
}

interface ManifestAnnotation { constructPath: string; level: string; message: string }

function manifestAnnotations(stackName: string): ManifestAnnotation[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8'));
  return manifest.stacks[stackName].annotations;
}

describe('synthesis outcome', () => {
  it('fails app.synth() on an error finding, with rule id, resource path and fix in the error', () => {
    const app = newApp();
    const stack = new TerraformStack(app, 'dev-aws');
    new Instance(stack, 'host', { ...hardenedInstance, metadataOptions: { httpTokens: 'optional', httpPutResponseHopLimit: 1 } });
    applyPolicyPack(app, { print: false });
    expect(() => app.synth()).toThrow(/\[CDC-EC2-1\/CKV_AWS_79\] dev-aws\/host \(aws_instance\.host\): .*Fix: set metadataOptions/);
    expect(fs.existsSync(path.join(outdir, 'stacks/dev-aws/cdk.tf.json'))).toBe(false);
  });

  it('fails Testing.fullSynth too, while Testing.synth only records the error', () => {
    const stack = new TerraformStack(Testing.app(), 'test');
    new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
    new Instance(stack, 'host', { ...hardenedInstance, rootBlockDevice: { encrypted: false } });
    const pack = applyPolicyPack(stack, { print: false });
    expect(() => Testing.synth(stack)).not.toThrow();
    expect(pack.errors.map((finding) => finding.ruleId)).toEqual(['CDC-EBS-1']);
    expect(() => Testing.fullSynth(stack)).toThrow(/CDC-EBS-1/);
  });

  it('lets warnings through: synth succeeds, the warning is printed and recorded in the manifest', () => {
    const app = newApp();
    const stack = new TerraformStack(app, 'dev-aws');
    new SecretsmanagerSecret(stack, 'secret', { name: 'dev/x' });
    const printed: string[] = [];
    const pack = applyPolicyPack(app, { print: (line) => printed.push(line) });
    app.synth();
    expect(printed).toEqual([expect.stringMatching(/^WARNING \[CDC-SM-1\/CKV_AWS_149\] dev-aws\/secret /)]);
    expect(pack.findings.map((finding) => [finding.ruleId, finding.level])).toEqual([['CDC-SM-1', 'warning']]);
    expect(manifestAnnotations('dev-aws')).toEqual([
      expect.objectContaining({ constructPath: 'dev-aws/secret', level: '@cdktf/warn', message: expect.stringContaining('[CDC-SM-1/') }),
    ]);
  });

  it('synthesizes a compliant stack with no finding at all', () => {
    const app = newApp();
    new Instance(new TerraformStack(app, 'dev-aws'), 'host', hardenedInstance);
    const pack = applyPolicyPack(app, { print: false });
    app.synth();
    expect(pack.findings).toEqual([]);
  });
});

describe('joins between resources (StackView.resourcesOfType)', () => {
  it('resolve only the resources of the type asked for, once per stack traversal', () => {
    const app = newApp();
    const stack = new TerraformStack(app, 'dev-aws');
    const group = new DbParameterGroup(stack, 'params', {
      name: 'params-pg16', family: 'postgres16', parameter: [{ name: 'rds.force_ssl', value: '1' }],
    });
    for (const id of ['db-a', 'db-b']) {
      new DbInstance(stack, id, {
        engine: 'postgres', instanceClass: 'db.t4g.medium', allocatedStorage: 20, storageEncrypted: true,
        deletionProtection: true, backupRetentionPeriod: 7, parameterGroupName: group.name,
      });
    }
    const bystander = new SecretsmanagerSecret(stack, 'bystander', { name: 'dev/x' });
    const groupResolved = jest.spyOn(group, 'toTerraform');
    const bystanderResolved = jest.spyOn(bystander, 'toTerraform');
    const pack = applyPolicyPack(app, { print: false });
    app.synth();
    // CDC-RDS-3 looks up the parameter group for both instances; the group's own check is the second
    // resolution, and cdktf resolves each element twice more (prepareStack, then the JSON).
    expect(pack.findings.filter((f) => f.ruleId === 'CDC-RDS-3')).toEqual([]);
    expect(groupResolved).toHaveBeenCalledTimes(4);
    // The secret is resolved for its own check only, never for the instances' join.
    expect(bystanderResolved).toHaveBeenCalledTimes(3);
  });
});

describe('applying the pack', () => {
  it('covers every stack of an App', () => {
    const app = newApp();
    new Instance(new TerraformStack(app, 'one'), 'host', { ...hardenedInstance, metadataOptions: undefined });
    new Instance(new TerraformStack(app, 'two'), 'host', { ...hardenedInstance, metadataOptions: undefined });
    const pack = applyPolicyPack(app, { print: false });
    for (const stack of app.node.children.filter(TerraformStack.isStack)) Testing.synth(stack);
    expect(pack.findings.filter((f) => f.ruleId === 'CDC-EC2-1').map((f) => f.path).sort()).toEqual(['one/host', 'two/host']);
  });

  it('refuses an App without stacks, since cdktf never runs aspects added to the App', () => {
    expect(() => applyPolicyPack(newApp())).toThrow(PolicyUsageError);
    expect(() => applyPolicyPack(newApp())).toThrow(/after defining the stacks/);
  });

  it('does not repeat annotations when a stack is synthesized twice', () => {
    const stack = new TerraformStack(Testing.app(), 'test');
    const host = new Instance(stack, 'host', { ...hardenedInstance, metadataOptions: undefined });
    const pack = applyPolicyPack(stack, { print: false });
    Testing.synth(stack);
    Testing.synth(stack);
    const errors = host.node.metadata.filter((entry) => entry.type === '@cdktf/error');
    expect(errors.map((entry) => String(entry.data).slice(0, 10))).toEqual(['[CDC-EC2-1', '[CDC-EC2-2']);
    expect(pack.findings).toHaveLength(2);
  });

  it('sees changes made by an aspect added to the stack before the pack', () => {
    const stack = new TerraformStack(Testing.app(), 'test');
    new Instance(stack, 'host', { ...hardenedInstance, metadataOptions: undefined });
    const enforceImdsV2: IAspect = {
      visit(node: IConstruct) {
        if (node instanceof Instance) node.putMetadataOptions({ httpTokens: 'required', httpPutResponseHopLimit: 1 });
      },
    };
    Aspects.of(stack).add(enforceImdsV2);
    const pack = applyPolicyPack(stack, { print: false });
    Testing.synth(stack);
    expect(pack.findings).toEqual([]);
  });

  it('collectPolicyFindings reports the same findings without annotating', () => {
    const stack = new TerraformStack(Testing.app(), 'test');
    const host = new Instance(stack, 'host', { ...hardenedInstance, metadataOptions: undefined });
    const findings = collectPolicyFindings(stack);
    expect(findings.map((finding) => `${finding.ruleId} ${finding.path}`)).toEqual(['CDC-EC2-1 test/host', 'CDC-EC2-2 test/host']);
    expect(host.node.metadata.filter((entry) => entry.type === '@cdktf/error')).toEqual([]);
  });
});

describe('shareStackResolution (how runApp applies the pack)', () => {
  const compliantStack = () => {
    const app = newApp();
    const stack = new TerraformStack(app, 'dev-aws');
    const host = new Instance(stack, 'host', hardenedInstance);
    return { app, stack, host };
  };

  it('writes the configuration the check read: each element is resolved once fewer, the output is the same', () => {
    const written: string[] = [];
    for (const shareStackResolution of [false, true]) {
      const { app, host } = compliantStack();
      const resolved = jest.spyOn(host, 'toTerraform');
      const pack = applyPolicyPack(app, { print: false, shareStackResolution });
      app.synth();
      pack.release();
      // prepareStack, then the write; without sharing, the check resolves the element once more.
      expect(resolved).toHaveBeenCalledTimes(shareStackResolution ? 2 : 3);
      written.push(fs.readFileSync(path.join(outdir, 'stacks/dev-aws/cdk.tf.json'), 'utf8'));
    }
    expect(written[1]).toBe(written[0]);
  });

  it('sees an override made on the element', () => {
    const { app, host } = compliantStack();
    host.addOverride('metadata_options.http_tokens', 'optional');
    const pack = applyPolicyPack(app, { print: false, shareStackResolution: true });
    expect(() => app.synth()).toThrow(/CDC-EC2-1/);
    pack.release();
  });

  it('checks each element on its own visit when another aspect is in the stack, so its changes are seen', () => {
    const { app, stack } = compliantStack();
    new Instance(stack, 'later', { ...hardenedInstance, metadataOptions: undefined });
    // Added before the pack: on every element it runs first, after the pack's visit of the stack.
    Aspects.of(stack).add({
      visit(node: IConstruct) {
        if (node instanceof Instance) node.putMetadataOptions({ httpTokens: 'required', httpPutResponseHopLimit: 1 });
      },
    });
    const pack = applyPolicyPack(app, { print: false, shareStackResolution: true });
    app.synth();
    pack.release();
    expect(pack.findings).toEqual([]);
  });

  it('checks each element on its own when the stack overrides a resource block, as without sharing', () => {
    const outcomes = [false, true].map((shareStackResolution) => {
      const { app, stack } = compliantStack();
      stack.addOverride('resource.aws_instance.host.metadata_options.http_tokens', 'optional');
      const pack = applyPolicyPack(app, { print: false, shareStackResolution });
      app.synth();
      pack.release();
      return pack.findings;
    });
    expect(outcomes[1]).toEqual(outcomes[0]);
  });
});

describe('suppressions', () => {
  function ephemeralDatabase(stack: TerraformStack): DbInstance {
    return new DbInstance(stack, 'db', {
      engine: 'mysql', instanceClass: 'db.t4g.micro', storageEncrypted: true, backupRetentionPeriod: 1, deletionProtection: false,
    });
  }

  it('turns the finding into a listed exemption: synth passes, the reason is printed and in the manifest', () => {
    const app = newApp();
    const stack = new TerraformStack(app, 'pr-123-aws');
    const db = ephemeralDatabase(stack);
    suppressRule(db, 'CDC-RDS-4', 'ephemeral PR environment, destroyed when the pull request closes');
    const printed: string[] = [];
    const pack = applyPolicyPack(app, { print: (line) => printed.push(line) });
    app.synth();
    expect(pack.errors).toEqual([]);
    expect(pack.findings).toEqual([expect.objectContaining({
      ruleId: 'CDC-RDS-4', path: 'pr-123-aws/db', suppressedReason: 'ephemeral PR environment, destroyed when the pull request closes',
    })]);
    expect(printed).toEqual([expect.stringMatching(/^SUPPRESSED \[CDC-RDS-4\/CKV_AWS_293\] pr-123-aws\/db \(aws_db_instance\.db\): suppressed \(reason: ephemeral PR/)]);
    expect(manifestAnnotations('pr-123-aws')).toEqual([
      expect.objectContaining({ constructPath: 'pr-123-aws/db', level: '@cdktf/info', message: expect.stringContaining('suppressed (reason: ephemeral PR') }),
    ]);
  });

  it('is per rule: other rules still fail on the same resource', () => {
    const stack = new TerraformStack(Testing.app(), 'test');
    const db = ephemeralDatabase(stack);
    db.addOverride('publicly_accessible', true);
    suppressRule(db, 'CDC-RDS-4', 'ephemeral PR environment, destroyed with the pull request');
    expect(collectPolicyFindings(stack).filter((f) => !f.suppressedReason).map((f) => f.ruleId)).toEqual(['CDC-RDS-2']);
  });

  it('is per resource: the same rule still fails on another resource', () => {
    const stack = new TerraformStack(Testing.app(), 'test');
    suppressRule(ephemeralDatabase(stack), 'CDC-RDS-4', 'ephemeral PR environment, destroyed with the pull request');
    new DbInstance(stack, 'other', { engine: 'mysql', instanceClass: 'db.t4g.micro', storageEncrypted: true, backupRetentionPeriod: 1 });
    const active = collectPolicyFindings(stack).filter((f) => !f.suppressedReason);
    expect(active.map((f) => `${f.ruleId} ${f.path}`)).toEqual(['CDC-RDS-4 test/other']);
  });

  it('requires a reason of at least 10 characters, naming the rule', () => {
    const db = ephemeralDatabase(new TerraformStack(Testing.app(), 'test'));
    expect(() => suppressRule(db, 'CDC-RDS-4', '')).toThrow(/suppressRule\(CDC-RDS-4\) on test\/db: a reason of at least 10 characters is required/);
    expect(() => suppressRule(db, 'CDC-RDS-4', '   short  ')).toThrow(PolicyUsageError);
  });

  it('rejects unknown rule ids and targets that are not Terraform elements', () => {
    const stack = new TerraformStack(Testing.app(), 'test');
    const db = ephemeralDatabase(stack);
    expect(() => suppressRule(db, 'CDC-RDS-99', 'a perfectly long reason')).toThrow(/unknown policy rule "CDC-RDS-99".*CDC-RDS-4/);
    expect(() => suppressRule(stack, 'CDC-RDS-4', 'a perfectly long reason')).toThrow(/not a Terraform resource/);
  });

  it('warns about a suppression that matches nothing', () => {
    const stack = new TerraformStack(Testing.app(), 'test');
    const db = ephemeralDatabase(stack);
    suppressRule(db, 'CDC-EC2-1', 'copied from the host by mistake, reason long enough');
    applyPolicyPack(stack, { print: false });
    Testing.synth(stack);
    const warnings = db.node.metadata.filter((entry) => entry.type === '@cdktf/warn').map((entry) => String(entry.data));
    expect(warnings).toEqual([expect.stringContaining('suppression of CDC-EC2-1 (reason: copied from the host by mistake, reason long enough) matches no finding')]);
  });
});

describe('the rule set', () => {
  const rulesDoc = fs.readFileSync(path.join(__dirname, '../../constructs/policy/RULES.md'), 'utf8');
  const ruleFiles = fs.readdirSync(path.join(__dirname, '../../constructs/policy/rules'));
  const testSources = fs.readdirSync(__dirname)
    .filter((name) => name.endsWith('.test.ts') && name !== 'engine.test.ts' && name !== 'environments.test.ts')
    .map((name) => fs.readFileSync(path.join(__dirname, name), 'utf8'))
    .join('\n');

  it('has unique ids', () => {
    const ids = ALL_RULES.map((rule) => rule.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it.each(ALL_RULES.map((rule) => [rule.id, rule] as const))('%s is documented in RULES.md with its checkov ids, and has tests', (id, rule) => {
    const section = rulesDoc.split(/^### /m).find((part) => part.startsWith(`${id} `));
    expect(section).toBeDefined();
    for (const checkovId of rule.checkov) expect(section).toContain(checkovId);
    expect(section).toMatch(/\*\*Why\*\*/);
    expect(section).toMatch(/\*\*Fix\*\*/);
    expect(testSources).toContain(`'${id}'`);
  });

  it('keeps each rule in its own file', () => {
    // rules-index.test.ts checks which rule each file holds.
    expect(ruleFiles.length).toBe(ALL_RULES.length);
  });

  it('documents every IAM Resource "*" allow-list entry', () => {
    for (const { action } of RESOURCE_WILDCARD_ALLOWED_ACTIONS) expect(rulesDoc).toContain(`\`${action}\``);
  });
});
