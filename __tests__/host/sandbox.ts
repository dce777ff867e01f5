// A throw-away machine for the host scripts: stubs that record their arguments and keep state in
// files stand in for everything that would touch a real host or AWS, and PATH holds only those
// stubs plus an explicit list of harmless real tools, so an unexpected command fails loudly.
import { spawnSync, SpawnSyncReturns } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** Real tools the scripts (and the stubs) may use. Anything else is "command not found". */
const REAL_TOOLS = [
  'bash', 'base64', 'cat', 'env', 'ln', 'rmdir', 'chmod', 'cmp', 'cp', 'date', 'find', 'grep', 'gzip', 'head', 'install',
  'ls', 'mkdir', 'mktemp', 'mv', 'rm', 'sed', 'sha256sum', 'sleep', 'tar', 'tee', 'touch', 'tr', 'uname',
];

export function which(tool: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/bin', '/bin'])) {
    const candidate = path.join(dir, tool);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

const STUBS = path.join(__dirname, 'stubs');
/** Stubs on PATH from the start; `pkgs/` ones appear only once the dnf stub "installs" them. */
const STUBS_ON_PATH = ['aws', 'blkid', 'curl', 'dnf', 'id', 'kubectl', 'mkfs.xfs', 'mount', 'mountpoint', 'systemctl', 'useradd'];

function copyStub(from: string, to: string): void {
  fs.copyFileSync(path.join(STUBS, from), to);
  fs.chmodSync(to, 0o755);
}

export interface RunResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Calls recorded by the stubs during this run, one "name arg arg" line each. */
  readonly calls: string[];
  /** The boot log as it stands after this run. */
  readonly log: string;
}

export class Sandbox {
  readonly dir: string;
  readonly bin: string;
  readonly root: string;
  readonly logFile: string;
  private readonly sys: string;

  constructor(options: { abctlTag?: string; bundle?: string; s3Url?: string; stubs?: string[] } = {}) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'host-sandbox-'));
    this.bin = path.join(this.dir, 'bin');
    this.sys = path.join(this.dir, 'sys');
    this.root = path.join(this.dir, 'root');
    this.logFile = path.join(this.dir, 'airbyte-host-boot.log');
    for (const sub of ['bin', 'sys', 'root', 'pkgs', 'state', 'control', 'k8s', 'tmp']) {
      fs.mkdirSync(path.join(this.dir, sub));
    }
    for (const tool of REAL_TOOLS) {
      const real = which(tool);
      if (!real) throw new Error(`sandbox: the real tool "${tool}" is not installed`);
      fs.symlinkSync(real, path.join(this.sys, tool));
    }
    fs.copyFileSync(path.join(STUBS, 'stublib.sh'), path.join(this.dir, 'stublib.sh'));
    for (const name of options.stubs ?? STUBS_ON_PATH) copyStub(name, path.join(this.bin, name));
    for (const name of fs.readdirSync(path.join(STUBS, 'pkgs'))) copyStub(`pkgs/${name}`, path.join(this.dir, 'pkgs', name));
    this.write('abctl-tag', options.abctlTag ?? 'v0.30.4');
    this.serveBundle(options.bundle ?? 'console.log("orchestrator");\n');
    this.write('s3-url', options.s3Url ?? 'cdc-dev-assets/orchestrator/orchestrator.js');
    this.buildAbctlRelease(options.abctlTag ?? 'v0.30.4');
  }

  /** The release tarball the curl stub serves, laid out like abctl's (a folder holding `abctl`). */
  private buildAbctlRelease(tag: string): void {
    const folder = `abctl-${tag}-linux-${os.arch() === 'arm64' ? 'arm64' : 'amd64'}`;
    const staging = path.join(this.dir, 'release');
    fs.mkdirSync(path.join(staging, folder), { recursive: true });
    copyStub('abctl', path.join(staging, folder, 'abctl'));
    const tar = spawnSync('tar', ['-czf', path.join(this.dir, 'abctl.tar.gz'), '-C', staging, folder]);
    if (tar.status !== 0) throw new Error(`sandbox: tar failed: ${tar.stderr}`);
  }

  write(relative: string, content: string): void {
    fs.mkdirSync(path.dirname(path.join(this.dir, relative)), { recursive: true });
    fs.writeFileSync(path.join(this.dir, relative), content);
  }

  read(relative: string): string {
    return fs.readFileSync(path.join(this.dir, relative), 'utf8');
  }

  exists(relative: string): boolean {
    return fs.existsSync(path.join(this.dir, relative));
  }

  serveBundle(content: string): void {
    this.write('bundle.js', content);
  }

  /** An object the aws stub's `s3 cp` serves at `s3://<bucket>/<key>`. */
  putObject(url: string, content: string): void {
    this.write(path.join('s3', url.replace(/^s3:\/\//, '')), content);
  }

  /** A value the aws stub's `ssm get-parameter` answers. */
  putParameter(name: string, value: string): void {
    this.write(this.parameterPath(name), value);
  }

  /**
   * Publishes files the way the AWS stack does: each an S3 object under its hash, listed with its
   * sha256 in the release parameter (`<sha256> <name> s3://bucket/key` lines).
   */
  publishRelease(parameter: string, files: Record<string, string>, bucket = 'cdc-dev-assets'): void {
    const lines = Object.entries(files).map(([name, content]) => {
      const sha = createHash('sha256').update(content).digest('hex');
      const url = `s3://${bucket}/orchestrator/${sha.slice(0, 16)}/${name}`;
      this.putObject(url, content);
      return `${sha} ${name} ${url}`;
    });
    this.putParameter(parameter, lines.join('\n'));
  }

  /**
   * Terraform's volume attachment as the instance sees it: the NVMe device named after the volume
   * id (/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol…). The volume's state (file system,
   * data) lives outside the root, so it outlives the instance.
   */
  attachVolume(volumeId: string): void {
    fs.mkdirSync(path.join(this.dir, 'volumes', volumeId), { recursive: true });
    this.write(path.join('root', 'dev', 'disk', 'by-id', `nvme-Amazon_Elastic_Block_Store_${volumeId.replace('-', '')}`), volumeId);
  }

  /**
   * A new instance in place of the old one: a fresh root volume, no packages, users, units or
   * running Airbyte; what lives in AWS (secrets, parameters, objects, EBS volumes) stays.
   */
  replaceInstance(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
    fs.mkdirSync(this.root);
    for (const sub of ['systemd', 'users', 'airbyte-up']) fs.rmSync(path.join(this.dir, 'state', sub), { recursive: true, force: true });
    for (const pkg of fs.readdirSync(path.join(this.dir, 'pkgs'))) fs.rmSync(path.join(this.bin, pkg), { force: true });
  }

  control(flag: string, on = true): void {
    const file = path.join(this.dir, 'control', flag);
    if (on) fs.writeFileSync(file, '');
    else fs.rmSync(file, { force: true });
  }

  /** A value held in Secrets Manager, keyed like the aws stub keys it. */
  secretPath(arn: string): string {
    return path.join('state', 'secrets', arn.replace(/[^A-Za-z0-9]/g, '_'));
  }

  parameterPath(name: string): string {
    return path.join('state', 'parameters', name.replace(/[^A-Za-z0-9]/g, '_'));
  }

  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return {
      PATH: `${this.bin}:${this.sys}`,
      SANDBOX: this.dir,
      ROOT_PREFIX: this.root,
      LOG_FILE: this.logFile,
      TMPDIR: path.join(this.dir, 'tmp'),
      HEALTH_TIMEOUT_SECONDS: '5',
      HEALTH_INTERVAL_SECONDS: '0.1',
      LANG: 'C',
      // Operator scripts read the synthesized stacks (e.g. the hosting mode); none unless a test writes them.
      CDKTF_OUTDIR: path.join(this.dir, 'cdktf.out'),
      ...extra,
    };
  }

  /** Runs a script file under bash with the sandbox's PATH; the calls log starts empty each run. */
  run(script: string, args: string[] = [], extraEnv: Record<string, string> = {}): RunResult {
    fs.writeFileSync(path.join(this.dir, 'calls.log'), '');
    const result: SpawnSyncReturns<string> = spawnSync(path.join(this.sys, 'bash'), [script, ...args], {
      env: this.env(extraEnv),
      encoding: 'utf8',
      timeout: 30000,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (result.error) throw result.error;
    return {
      status: result.status,
      stdout: result.stdout,
      stderr: result.stderr,
      calls: this.read('calls.log').split('\n').filter((line) => line.length > 0),
      log: fs.existsSync(this.logFile) ? fs.readFileSync(this.logFile, 'utf8') : '',
    };
  }

  cleanup(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Asserts that each pattern matches a call, in this order (other calls may come in between), and
 * names the first one that does not.
 */
export function expectCallsInOrder(calls: string[], patterns: RegExp[]): void {
  let from = 0;
  for (const pattern of patterns) {
    const at = calls.findIndex((call, i) => i >= from && pattern.test(call));
    if (at < 0) {
      throw new Error(`no call matching ${pattern} after call #${from}; calls were:\n${calls.map((c, i) => `${i}: ${c}`).join('\n')}`);
    }
    from = at + 1;
  }
}
