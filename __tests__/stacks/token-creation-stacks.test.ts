import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, TerraformStack } from 'cdktf';
import { runApp } from '../../stacks/run-app';
import { withoutTokenCreationStacks } from '../../stacks/token-creation-stacks';

// The class behind every cdktf attribute reference; it records `creationStack` in its constructor
// (node_modules/cdktf/lib/tokens/private/intrinsic.js).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Intrinsic } = require('cdktf/lib/tokens/private/intrinsic') as { Intrinsic: new (value: unknown) => { creationStack: string[] } };

const creationStack = () => new Intrinsic('x').creationStack;

describe('withoutTokenCreationStacks', () => {
  test('cdktf records no creation stack until restored, then records it again', () => {
    expect(creationStack().length).toBeGreaterThan(0);
    const restore = withoutTokenCreationStacks();
    expect(creationStack()).toEqual([]);
    // Nested use (runApp inside a scope that already turned them off) keeps them off and restores nothing early.
    withoutTokenCreationStacks()();
    expect(creationStack()).toEqual([]);
    restore();
    expect(creationStack().length).toBeGreaterThan(0);
  });

  test('runApp turns them off for the synthesis only, and keeps them when stackTraces is on', () => {
    const seen: number[] = [];
    const define = () => (app: App) => {
      new TerraformStack(app, 'one');
      seen.push(creationStack().length);
    };
    const output = { stdout: () => undefined, stderr: () => undefined };
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'token-creation-stacks-'));
    try {
      expect(runApp(define, { appConfig: { outdir }, output })).toBe(0);
      expect(runApp(define, { appConfig: { outdir, stackTraces: true }, output })).toBe(0);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
    expect(seen[0]).toBe(0);
    expect(seen[1]).toBeGreaterThan(0);
    expect(creationStack().length).toBeGreaterThan(0);
  });
});
