import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdktf';
import { EnvironmentConfig, validateEnvironment } from '../../config';
import { defineEnvironmentStacks, EnvironmentStacks } from '../../stacks';

/** Synthesized Terraform JSON of one stack. */
export type StackJson = {
  resource?: Record<string, Record<string, Record<string, unknown>>>;
  data?: Record<string, Record<string, Record<string, unknown>>>;
  output?: Record<string, Record<string, unknown>>;
  provider?: Record<string, Array<Record<string, unknown>>>;
  terraform?: Record<string, unknown>;
};

export interface SynthesizedEnvironment {
  readonly aws: StackJson;
  readonly gcp: StackJson;
  readonly airbyte: StackJson;
  /** eks-helm hosting only. */
  readonly kubernetes?: StackJson;
  readonly stacks: EnvironmentStacks;
  /** Raw JSON text of each stack, for scans. */
  readonly text: { aws: string; gcp: string; airbyte: string; kubernetes?: string };
  /** cdktf.out/manifest.json: stacks and their dependencies. */
  readonly manifest: { stacks: Record<string, { dependencies: string[] }> };
}

let fakeBundle: string | undefined;

/** A stand-in orchestrator bundle so stack tests do not depend on a build. */
export function fakeBundlePath(content = '// orchestrator bundle stand-in\n'): string {
  if (!fakeBundle || content !== '// orchestrator bundle stand-in\n') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-'));
    const file = path.join(dir, 'orchestrator.js');
    fs.writeFileSync(file, content);
    if (content !== '// orchestrator bundle stand-in\n') return file;
    fakeBundle = file;
  }
  return fakeBundle;
}

/** Validates `config`, defines its three stacks in a test app and returns their JSON. */
export function synthEnvironment(config: EnvironmentConfig, bundlePath = fakeBundlePath()): SynthesizedEnvironment {
  // A full app synth (not Testing.synth per stack): cross-stack outputs and remote-state
  // lookups only exist after the app prepares all stacks together, and error annotations fail it.
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-'));
  const app = new App({ outdir, stackTraces: false });
  const stacks = defineEnvironmentStacks(app, validateEnvironment(config), { orchestratorBundlePath: bundlePath });
  app.synth();
  const read = (name: string) => fs.readFileSync(path.join(outdir, 'stacks', name, 'cdk.tf.json'), 'utf8');
  const text = {
    aws: read(stacks.aws.node.id), gcp: read(stacks.gcp.node.id), airbyte: read(stacks.airbyte.node.id),
    kubernetes: stacks.kubernetes ? read(stacks.kubernetes.node.id) : undefined,
  };
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8'));
  fs.rmSync(outdir, { recursive: true, force: true });
  return {
    aws: JSON.parse(text.aws), gcp: JSON.parse(text.gcp), airbyte: JSON.parse(text.airbyte),
    kubernetes: text.kubernetes ? JSON.parse(text.kubernetes) : undefined, stacks, text, manifest,
  };
}

/** All resources of one type in a stack, by logical id. */
export function resourcesOf(stack: StackJson, type: string): Array<Record<string, unknown>> {
  return Object.values(stack.resource?.[type] ?? {});
}

/** The single resource of a type; fails when there is not exactly one. */
export function onlyResource(stack: StackJson, type: string): Record<string, unknown> {
  const all = resourcesOf(stack, type);
  if (all.length !== 1) throw new Error(`expected exactly one ${type}, found ${all.length}`);
  return all[0];
}

export function dataOf(stack: StackJson, type: string): Array<Record<string, unknown>> {
  return Object.values(stack.data?.[type] ?? {});
}

/** The Terraform address (`type.logicalId`) of a resource found by a predicate. */
export function addressOf(stack: StackJson, type: string, predicate: (r: Record<string, unknown>) => boolean): string {
  const entry = Object.entries(stack.resource?.[type] ?? {}).find(([, r]) => predicate(r));
  if (!entry) throw new Error(`no ${type} matches`);
  return `${type}.${entry[0]}`;
}
