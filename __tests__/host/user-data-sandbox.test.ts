import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { expectCallsInOrder, RunResult, Sandbox } from './sandbox';
import { BUNDLE, CLIENT_ID, CLIENT_SECRET, DATA_VOLUME_ID, hostSandbox, releaseFiles, sha256, testProps, writeScript } from './fixtures';

const props = testProps();
const arch = os.arch() === 'arm64' ? 'arm64' : 'amd64';
const UNIT = 'root/etc/systemd/system/cdc-orchestrator.service';
const APP = 'root/opt/cdc-orchestrator';

function expectNoSecrets(sandbox: Sandbox, run: RunResult): void {
  for (const [where, text] of Object.entries({
    log: run.log, stdout: run.stdout, stderr: run.stderr, calls: run.calls.join('\n'), unit: sandbox.exists(UNIT) ? sandbox.read(UNIT) : '',
  })) {
    if (text.includes(CLIENT_SECRET) || text.includes(CLIENT_ID)) throw new Error(`an Airbyte credential leaked into ${where}`);
  }
}

/** Files under ROOT_PREFIX with content, mode and modification time: "nothing rewritten" means equal. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      // The mounted data volume is a symlink in the sandbox: walk it like the directory it is.
      if (entry.isDirectory() || (entry.isSymbolicLink() && fs.statSync(full).isDirectory())) walk(full);
      else {
        const stat = fs.statSync(full);
        out[path.relative(dir, full)] = `${(stat.mode & 0o777).toString(8)} ${stat.mtimeMs} ${fs.readFileSync(full, 'utf8')}`;
      }
    }
  };
  walk(dir);
  return out;
}

function stepsLogged(log: string): string[] {
  return [...log.matchAll(/Z step ([a-z-]+):/g)].map((m) => m[1]);
}

const ALL_STEPS = [
  'data-volume', 'docker', 'nodejs', 'abctl', 'airbyte-install', 'airbyte-health', 'airbyte-credentials', 'orchestrator-release', 'orchestrator-service',
];
const RELEASE_SCRIPT = 'root/usr/local/sbin/cdc-host-release';
const DEVICE = `/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${DATA_VOLUME_ID.replace('-', '')}`;

describe('user-data in a sandbox', () => {
  let sandbox: Sandbox;
  beforeEach(() => {
    sandbox = hostSandbox();
  });
  afterEach(() => sandbox.cleanup());

  test('a fresh host: every step runs, in order, with the right arguments', () => {
    const run = sandbox.run(writeScript(sandbox));
    expect(run.stderr).toContain('boot complete');
    expect(run.status).toBe(0);

    const secretArn = props.airbyteCredentialsSecretArn;
    expectCallsInOrder(run.calls, [
      new RegExp(`^blkid -o value -s TYPE \\S+${DEVICE}$`),
      new RegExp(`^mkfs\\.xfs -q -L airbyte-data \\S+${DEVICE}$`),
      new RegExp(`^mount -t xfs \\S+${DEVICE} \\S+/root/\\.airbyte$`),
      /^dnf install -y docker$/,
      /^systemctl enable --now docker$/,
      /^docker info$/,
      /^dnf install -y nodejs22$/,
      /^node-22 --version$/,
      new RegExp(`^curl .*--retry \\d+ .*-o \\S+/abctl\\.tar\\.gz https://github\\.com/airbytehq/abctl/releases/download/v0\\.30\\.4/abctl-v0\\.30\\.4-linux-${arch}\\.tar\\.gz$`),
      /^abctl version$/,
      /^abctl local install --port 8000 --chart-version 2\.2\.0 --no-browser$/,
      /^curl .* http:\/\/localhost:8000\/api\/public\/v1\/health$/,
      /^kubectl --kubeconfig \/root\/\.airbyte\/abctl\/abctl\.kubeconfig -n airbyte-abctl get secret airbyte-auth-secrets -o jsonpath=\{\.data\.instance-admin-client-id\}$/,
      /^kubectl .* get secret airbyte-auth-secrets -o jsonpath=\{\.data\.instance-admin-client-secret\}$/,
      new RegExp(`^aws secretsmanager get-secret-value --secret-id ${secretArn} `),
      new RegExp(`^aws secretsmanager put-secret-value --secret-id ${secretArn} --secret-string file://\\S+$`),
      /^aws ssm get-parameter --name \/dev\/cdc\/host-release /,
      new RegExp(`^aws s3 cp --only-show-errors s3://cdc-dev-assets/orchestrator/${sha256(BUNDLE).slice(0, 16)}/orchestrator\\.js \\S+$`),
      /^curl .* https:\/\/truststore\.pki\.rds\.amazonaws\.com\/global\/global-bundle\.pem$/,
      /^useradd --system .*cdc-orchestrator$/,
      /^systemctl daemon-reload$/,
      /^systemctl enable cdc-orchestrator$/,
      /^systemctl restart --no-block cdc-orchestrator$/,
    ]);
    expect(run.calls.filter((c) => c.startsWith('abctl local install'))).toHaveLength(1);

    expect(JSON.parse(sandbox.read(sandbox.secretPath(secretArn)))).toEqual({ client_id: CLIENT_ID, client_secret: CLIENT_SECRET });
    expect(sandbox.read(`${APP}/orchestrator.js`)).toBe(BUNDLE);
    const files = releaseFiles();
    for (const [name, content] of Object.entries(files)) expect(sandbox.read(`${APP}/${name}`)).toBe(content);
    expect(sandbox.read(`${APP}/release.sha256`)).toBe(
      Object.entries(files).map(([name, content]) => `${sha256(content)}  /opt/cdc-orchestrator/${name}\n`).join(''),
    );
    expect(sandbox.read('root/etc/fstab')).toBe('UUID=6f1c2d3e-4a5b-4c6d-8e9f-0123456789ab /root/.airbyte xfs defaults,nofail,x-systemd.before=docker.service 0 2\n');
    expect(sandbox.read('root/var/lib/airbyte-host-boot/airbyte-install')).toBe('abctl=v0.30.4 chart=2.2.0 port=8000 low-resource-mode=false\n');
    expect(sandbox.read('state/abctl-data')).toBe('created\n');
    expect(fs.existsSync(path.join(sandbox.root, 'usr/local/bin/abctl'))).toBe(true);
    expect(sandbox.read(`${APP}/rds-ca.pem`)).toContain('BEGIN CERTIFICATE');
    // Temporary files (the credentials file above all) are gone.
    expect(fs.readdirSync(path.join(sandbox.dir, 'tmp'))).toEqual([]);

    const unit = sandbox.read(UNIT);
    const node = path.join(sandbox.bin, 'node-22');
    for (const line of [
      'User=cdc-orchestrator', 'NoNewPrivileges=yes', 'ProtectSystem=strict', 'PrivateTmp=yes', 'Restart=on-failure',
      'RestartSec=60', 'StartLimitBurst=20', 'StartLimitIntervalSec=900', 'RuntimeDirectoryMode=0700',
      'EnvironmentFile=-/run/cdc-orchestrator/orchestrator.env',
      `ExecStartPre=${node} /opt/cdc-orchestrator/fetch-env.js`,
      'ExecStartPre=+/usr/local/sbin/cdc-host-release',
      'ExecStartPre=/usr/bin/sha256sum --check --quiet /opt/cdc-orchestrator/release.sha256',
      `ExecStart=${node} /opt/cdc-orchestrator/orchestrator.js run`,
      `Environment="DATABASE_SECRET_ARN=${props.databaseSecretArn}"`,
      `Environment="AIRBYTE_CREDENTIALS_SECRET_ARN=${secretArn}"`,
      'Environment="ORCHESTRATOR_CONFIG_PARAMETER=/dev/orchestrator/config"',
      'AIRBYTE_API_URL=http://localhost:8000/api/public/v1',
      'Environment="NODE_EXTRA_CA_CERTS=/opt/cdc-orchestrator/rds-ca.pem"',
    ]) {
      expect(unit).toContain(line);
    }
    expect(stepsLogged(run.log)).toEqual(ALL_STEPS);
    expect(run.log).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ step docker: /m);
    expectNoSecrets(sandbox, run);
  });

  test('a second run changes nothing and reinstalls nothing', () => {
    const script = writeScript(sandbox);
    expect(sandbox.run(script).status).toBe(0);
    const before = snapshot(sandbox.root);
    const secretBefore = sandbox.read(sandbox.secretPath(props.airbyteCredentialsSecretArn));

    const again = sandbox.run(script);
    expect(again.status).toBe(0);
    const mutating = again.calls.filter((call) =>
      /^(dnf|useradd|mkfs|mount |abctl local install|aws secretsmanager put|aws s3 cp|systemctl (enable|start|restart|daemon-reload))/.test(call)
      || /^curl .*\.tar\.gz$/.test(call));
    expect(mutating).toEqual([]);
    expect(snapshot(sandbox.root)).toEqual(before);
    expect(sandbox.read(sandbox.secretPath(props.airbyteCredentialsSecretArn))).toBe(secretBefore);
    expect(again.log).toContain('Airbyte is already installed with these settings and healthy');
    expect(again.log).toContain('the secret already holds these credentials');
    expect(again.log).toContain('the release is already installed and verified');
    expect(again.log).toContain('/root/.airbyte is already mounted');
    expectNoSecrets(sandbox, again);
  });

  test('a new bundle reaches the running host through the release parameter: same user-data, verified, no reinstall', () => {
    expect(sandbox.run(writeScript(sandbox)).status).toBe(0);
    const next = 'console.log("orchestrator v2");\n';
    sandbox.publishRelease(props.releaseParameter, releaseFiles(next));
    // The boot script does not carry the bundle, so a new one changes nothing Terraform would
    // replace the instance for.
    expect(writeScript(sandbox)).toBeTruthy();
    expect(fs.readFileSync(writeScript(sandbox), 'utf8')).not.toContain(sha256(next));

    // What the unit's ExecStartPre=+ runs before every (re)start.
    const update = sandbox.run(path.join(sandbox.dir, RELEASE_SCRIPT));
    expect(update.stderr).toBe('');
    expect(update.status).toBe(0);
    expect(update.stdout).toBe('changed\n');
    expect(sandbox.read(`${APP}/orchestrator.js`)).toBe(next);
    expect(sandbox.read(`${APP}/release.sha256`)).toContain(`${sha256(next)}  /opt/cdc-orchestrator/orchestrator.js\n`);
    expect(update.calls.filter((c) => c.startsWith('aws s3 cp'))).toHaveLength(1);
    expect(update.calls.some((c) => /^(abctl|dnf|mkfs|systemctl)/.test(c))).toBe(false);

    const again = sandbox.run(path.join(sandbox.dir, RELEASE_SCRIPT));
    expect(again.stdout).toBe('unchanged\n');
    expect(again.calls.some((c) => c.startsWith('aws s3 cp'))).toBe(false);
  });

  test('a release file whose sha256 does not match is refused and the installed one stays', () => {
    expect(sandbox.run(writeScript(sandbox)).status).toBe(0);
    const next = 'console.log("orchestrator v2");\n';
    sandbox.publishRelease(props.releaseParameter, releaseFiles(next));
    const listed = sandbox.read(sandbox.parameterPath(props.releaseParameter));
    const url = /^\S+ orchestrator\.js (\S+)$/m.exec(listed)![1];
    sandbox.putObject(url, 'console.log("tampered");\n');
    const update = sandbox.run(path.join(sandbox.dir, RELEASE_SCRIPT));
    expect(update.status).toBe(1);
    expect(update.stderr).toContain(`checksum mismatch for ${url}: expected ${sha256(next)}, got ${sha256('console.log("tampered");\n')}; refusing to install it`);
    expect(sandbox.read(`${APP}/orchestrator.js`)).toBe(BUNDLE);
    expect(sandbox.read(`${APP}/release.sha256`)).toContain(`${sha256(BUNDLE)}  /opt/cdc-orchestrator/orchestrator.js`);
  });

  test('a replaced host on the same data volume finds Airbyte\'s data and formats nothing', () => {
    const script = writeScript(sandbox);
    const first = sandbox.run(script);
    expect(first.status).toBe(0);
    expect(first.calls.filter((c) => c.startsWith('mkfs.xfs'))).toHaveLength(1);
    // Airbyte's database as abctl left it on the volume.
    expect(sandbox.exists('volumes/' + DATA_VOLUME_ID + '/data/abctl/data/airbyte-volume-db')).toBe(true);
    sandbox.write(`volumes/${DATA_VOLUME_ID}/data/abctl/data/airbyte-volume-db/PG_VERSION`, '13\n');

    sandbox.replaceInstance();
    sandbox.attachVolume(DATA_VOLUME_ID);
    const second = sandbox.run(script);
    expect(second.stderr).toContain('boot complete');
    expect(second.status).toBe(0);
    expect(second.calls.filter((c) => c.startsWith('mkfs'))).toEqual([]);
    expect(second.log).toContain('existing file system: keeping its data');
    expectCallsInOrder(second.calls, [/^blkid -o value -s TYPE /, /^mount -t xfs /, /^abctl local install /]);
    // A new host reinstalls Airbyte's cluster (Docker lived on the old root volume), on the old data.
    expect(sandbox.read('state/abctl-data')).toBe('created\nreused\n');
    expect(sandbox.read(`root/root/.airbyte/abctl/data/airbyte-volume-db/PG_VERSION`)).toBe('13\n');
    expect(sandbox.read('root/etc/fstab')).toContain(' /root/.airbyte xfs defaults,nofail,x-systemd.before=docker.service 0 2');
  });

  test('a volume with a foreign file system is neither formatted nor mounted', () => {
    sandbox.write(`volumes/${DATA_VOLUME_ID}/fs`, 'ext4 1111-2222');
    const run = sandbox.run(writeScript(sandbox));
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('FAILED in step data-volume: the volume holds ext4, not XFS; refusing to touch it');
    expect(run.calls.some((c) => /^(mkfs|mount |dnf)/.test(c))).toBe(false);
  });

  test('a volume that never appears stops the boot before anything is installed', () => {
    fs.rmSync(path.join(sandbox.root, DEVICE));
    const run = sandbox.run(writeScript(sandbox), [], { VOLUME_TIMEOUT_SECONDS: '0' });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain(`FAILED in step data-volume: volume ${DATA_VOLUME_ID} did not appear as`);
    expect(stepsLogged(run.log)).toEqual(['data-volume']);
  });

  test('the chart version is pinned, part of the install marker, and a new pin reinstalls', () => {
    const script = writeScript(sandbox);
    expect(sandbox.run(script).status).toBe(0);
    const upgrade = sandbox.run(writeScript(sandbox, testProps({ airbyteChartVersion: '2.3.0' })));
    expect(upgrade.status).toBe(0);
    expect(upgrade.calls).toContain('abctl local install --port 8000 --chart-version 2.3.0 --no-browser');
    expect(sandbox.read('root/var/lib/airbyte-host-boot/airbyte-install')).toContain('chart=2.3.0');
  });

  test('Docker Hub credentials from a secret: docker login and abctl get them, no command line or log does', () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:dev/docker-hub-XyZ123';
    const token = 'dckr_pat_Q2xhcmEgbG92ZXMgY29mZmVl';
    sandbox.write(sandbox.secretPath(arn), JSON.stringify({ username: 'dataplatform', password: token }));
    const run = sandbox.run(writeScript(sandbox, testProps({ dockerHubSecretArn: arn })));
    expect(run.status).toBe(0);
    expect(run.calls).toContain('docker login -u dataplatform --password-stdin');
    expect(sandbox.read('state/docker-login-password')).toBe(`${token}\n`);
    expect(sandbox.read('state/abctl-env')).toBe('ABCTL_LOCAL_INSTALL_DOCKER_USERNAME=dataplatform\n');
    for (const text of [run.calls.join('\n'), run.log, run.stderr, run.stdout]) expect(text).not.toContain(token);
    // Without the setting, pulls stay anonymous.
    const anonymous = hostSandbox();
    try {
      const plain = anonymous.run(writeScript(anonymous));
      expect(plain.calls.some((c) => c.startsWith('docker login'))).toBe(false);
    } finally {
      anonymous.cleanup();
    }
  });

  test('a host that already has Node.js 20 keeps it (the bundle targets Node 20); otherwise nodejs22 is installed', () => {
    fs.writeFileSync(path.join(sandbox.bin, 'node'), '#!/bin/bash\n. "$SANDBOX/stublib.sh"\n[ "$1" = --version ] && echo v20.19.5\n', { mode: 0o755 });
    const run = sandbox.run(writeScript(sandbox));
    expect(run.status).toBe(0);
    expect(run.calls.some((c) => c.startsWith('dnf install -y nodejs'))).toBe(false);
    expect(sandbox.read(UNIT)).toContain(`ExecStart=${path.join(sandbox.bin, 'node')} /opt/cdc-orchestrator/orchestrator.js run`);
    // Node 18 is too old: nodejs22 comes in.
    fs.writeFileSync(path.join(sandbox.bin, 'node'), '#!/bin/bash\n. "$SANDBOX/stublib.sh"\n[ "$1" = --version ] && echo v18.20.4\n', { mode: 0o755 });
    sandbox.replaceInstance();
    sandbox.attachVolume(DATA_VOLUME_ID);
    const old = sandbox.run(writeScript(sandbox));
    expect(old.status).toBe(0);
    expect(old.calls).toContain('dnf install -y nodejs22');
  });

  test('low-resource mode adds the abctl flag', () => {
    const run = sandbox.run(writeScript(sandbox, testProps({ lowResourceMode: true })));
    expect(run.status).toBe(0);
    expect(run.calls).toContain('abctl local install --port 8000 --chart-version 2.2.0 --no-browser --low-resource-mode');
  });

  test('without kubectl on the host the credentials are read through the kind node', () => {
    fs.rmSync(path.join(sandbox.bin, 'kubectl'));
    const run = sandbox.run(writeScript(sandbox));
    expect(run.status).toBe(0);
    expect(run.calls).toContain(
      'docker exec airbyte-abctl-control-plane kubectl --kubeconfig /etc/kubernetes/admin.conf -n airbyte-abctl get secret airbyte-auth-secrets -o jsonpath={.data.instance-admin-client-secret}',
    );
    expect(JSON.parse(sandbox.read(sandbox.secretPath(props.airbyteCredentialsSecretArn))).client_secret).toBe(CLIENT_SECRET);
  });

  test('an abctl failure stops the boot in the airbyte-install step', () => {
    sandbox.control('abctl-fails');
    const run = sandbox.run(writeScript(sandbox));
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('FAILED in step airbyte-install: abctl local install exited with status 3');
    expect(run.log).toContain('FAILED in step airbyte-install');
    expect(stepsLogged(run.log)).toEqual(ALL_STEPS.slice(0, 5));
    expect(run.calls.some((c) => /^(kubectl|aws|useradd)/.test(c))).toBe(false);
    expect(sandbox.exists('root/var/lib/airbyte-host-boot/airbyte-install')).toBe(false);

    // The next run picks up where this one stopped: Docker and abctl are not installed again.
    sandbox.control('abctl-fails', false);
    const retry = sandbox.run(writeScript(sandbox));
    expect(retry.status).toBe(0);
    expect(retry.calls.filter((c) => c.startsWith('dnf install') || c.startsWith('mkfs') || c.endsWith('.tar.gz'))).toEqual([]);
  });

  test('a health timeout stops the boot in the airbyte-health step', () => {
    sandbox.control('never-healthy');
    const started = Date.now();
    // bash's SECONDS counts whole seconds, so a 1 s deadline can pass right after the first try:
    // 3 s leaves room for several polls (HEALTH_INTERVAL_SECONDS is 0.1 in the sandbox) under load.
    const run = sandbox.run(writeScript(sandbox), [], { HEALTH_TIMEOUT_SECONDS: '3' });
    expect(run.status).not.toBe(0);
    expect(Date.now() - started).toBeLessThan(15000);
    expect(run.stderr).toContain('FAILED in step airbyte-health: no healthy answer from http://localhost:8000/api/public/v1/health within 3s');
    expect(stepsLogged(run.log)).toEqual(ALL_STEPS.slice(0, 6));
    expect(run.calls.filter((c) => c.includes('/health')).length).toBeGreaterThan(1);
    expect(run.calls.some((c) => c.startsWith('kubectl'))).toBe(false);
  });

  test('a checksum mismatch stops the boot and nothing is installed or started', () => {
    const listed = sandbox.read(sandbox.parameterPath(props.releaseParameter));
    const url = /^\S+ orchestrator\.js (\S+)$/m.exec(listed)![1];
    sandbox.putObject(url, 'console.log("tampered");\n');
    const run = sandbox.run(writeScript(sandbox));
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain(`checksum mismatch for ${url}: expected ${sha256(BUNDLE)}, got ${sha256('console.log("tampered");\n')}; refusing to install it`);
    expect(run.stderr).toContain('FAILED in step orchestrator-release: cdc-host-release exited with status 1');
    expect(stepsLogged(run.log)).toEqual(ALL_STEPS.slice(0, 8));
    expect(sandbox.exists(`${APP}/orchestrator.js`)).toBe(false);
    expect(sandbox.exists(UNIT)).toBe(false);
    expect(run.calls.some((c) => /^(useradd|systemctl .*cdc-orchestrator)/.test(c))).toBe(false);
    expectNoSecrets(sandbox, run);
  });

  test('the RDS CA bundle: a failed refresh keeps the installed one, a failed first download stops the boot', () => {
    const script = writeScript(sandbox);
    sandbox.control('rds-ca-fails');
    const first = sandbox.run(script);
    expect(first.status).not.toBe(0);
    expect(first.stderr).toContain('FAILED in step orchestrator-release: could not download the RDS CA bundle');
    expect(sandbox.exists(UNIT)).toBe(false);

    sandbox.control('rds-ca-fails', false);
    expect(sandbox.run(script).status).toBe(0);
    sandbox.control('rds-ca-fails');
    const refresh = sandbox.run(script);
    expect(refresh.status).toBe(0);
    expect(refresh.log).toContain('warning: could not refresh the RDS CA bundle');
    expect(sandbox.read(`${APP}/rds-ca.pem`)).toContain('BEGIN CERTIFICATE');
  });

  test('a failing command is reported with the step it belongs to', () => {
    // The release parameter does not exist yet, so `aws ssm get-parameter` fails.
    fs.rmSync(path.join(sandbox.dir, sandbox.parameterPath(props.releaseParameter)));
    const run = sandbox.run(writeScript(sandbox));
    expect(run.status).not.toBe(0);
    expect(run.log).toMatch(/FAILED in step orchestrator-release: cdc-host-release exited with status 254/);
  });

  test('unexpected characters in the Kubernetes secret fail without echoing it', () => {
    sandbox.write('k8s/instance-admin-client-secret', 'bad"secret\nvalue');
    const run = sandbox.run(writeScript(sandbox));
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('FAILED in step airbyte-credentials: airbyte-auth-secrets holds an empty or unexpected client id or secret');
    expect(`${run.log}${run.stderr}${run.stdout}`).not.toContain('bad"secret');
    expect(run.calls.some((c) => c.startsWith('aws secretsmanager put'))).toBe(false);
  });
});
