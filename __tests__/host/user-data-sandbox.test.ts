import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { expectCallsInOrder, RunResult, Sandbox } from './sandbox';
import { BUNDLE, CLIENT_ID, CLIENT_SECRET, hostSandbox, sha256, testProps, writeScript } from './fixtures';

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
      if (entry.isDirectory()) walk(full);
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

const ALL_STEPS = ['docker', 'abctl', 'airbyte-install', 'airbyte-health', 'airbyte-credentials', 'nodejs', 'orchestrator-bundle', 'orchestrator-service'];

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
      /^dnf install -y docker$/,
      /^systemctl enable --now docker$/,
      /^docker info$/,
      new RegExp(`^curl .*--retry \\d+ .*-o \\S+/abctl\\.tar\\.gz https://github\\.com/airbytehq/abctl/releases/download/v0\\.30\\.4/abctl-v0\\.30\\.4-linux-${arch}\\.tar\\.gz$`),
      /^abctl version$/,
      /^abctl local install --port 8000 --no-browser$/,
      /^curl .* http:\/\/localhost:8000\/api\/public\/v1\/health$/,
      /^kubectl --kubeconfig \/root\/\.airbyte\/abctl\/abctl\.kubeconfig -n airbyte-abctl get secret airbyte-auth-secrets -o jsonpath=\{\.data\.instance-admin-client-id\}$/,
      /^kubectl .* get secret airbyte-auth-secrets -o jsonpath=\{\.data\.instance-admin-client-secret\}$/,
      new RegExp(`^aws secretsmanager get-secret-value --secret-id ${secretArn} `),
      new RegExp(`^aws secretsmanager put-secret-value --secret-id ${secretArn} --secret-string file://\\S+$`),
      /^dnf install -y nodejs20$/,
      /^node-20 --version$/,
      /^aws s3 cp --only-show-errors s3:\/\/cdc-dev-assets\/orchestrator\/orchestrator\.js \S+$/,
      /^curl .* https:\/\/truststore\.pki\.rds\.amazonaws\.com\/global\/global-bundle\.pem$/,
      /^useradd --system .*cdc-orchestrator$/,
      /^systemctl daemon-reload$/,
      /^systemctl enable cdc-orchestrator$/,
      /^systemctl restart --no-block cdc-orchestrator$/,
    ]);
    expect(run.calls.filter((c) => c.startsWith('abctl local install'))).toHaveLength(1);

    expect(JSON.parse(sandbox.read(sandbox.secretPath(secretArn)))).toEqual({ client_id: CLIENT_ID, client_secret: CLIENT_SECRET });
    expect(sandbox.read(`${APP}/orchestrator.js`)).toBe(BUNDLE);
    expect(sandbox.read(`${APP}/orchestrator.js.sha256`)).toBe(`${sha256(BUNDLE)}  /opt/cdc-orchestrator/orchestrator.js\n`);
    expect(fs.existsSync(path.join(sandbox.root, 'usr/local/bin/abctl'))).toBe(true);
    expect(sandbox.read(`${APP}/rds-ca.pem`)).toContain('BEGIN CERTIFICATE');
    // Temporary files (the credentials file above all) are gone.
    expect(fs.readdirSync(path.join(sandbox.dir, 'tmp'))).toEqual([]);

    const unit = sandbox.read(UNIT);
    const node = path.join(sandbox.bin, 'node-20');
    for (const line of [
      'User=cdc-orchestrator', 'NoNewPrivileges=yes', 'ProtectSystem=strict', 'PrivateTmp=yes', 'Restart=on-failure',
      'RestartSec=60', 'StartLimitBurst=20', 'StartLimitIntervalSec=900', 'RuntimeDirectoryMode=0700',
      'EnvironmentFile=-/run/cdc-orchestrator/orchestrator.env',
      `ExecStartPre=${node} /opt/cdc-orchestrator/fetch-env.js`,
      'ExecStartPre=/usr/bin/sha256sum --check --quiet /opt/cdc-orchestrator/orchestrator.js.sha256',
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
      /^(dnf|useradd|abctl local install|aws secretsmanager put|aws s3 cp|systemctl (enable|start|restart|daemon-reload))/.test(call)
      || /^curl .*\.tar\.gz$/.test(call));
    expect(mutating).toEqual([]);
    expect(snapshot(sandbox.root)).toEqual(before);
    expect(sandbox.read(sandbox.secretPath(props.airbyteCredentialsSecretArn))).toBe(secretBefore);
    expect(again.log).toContain('Airbyte is already installed with these settings and healthy');
    expect(again.log).toContain('the secret already holds these credentials');
    expect(again.log).toContain('the bundle is already installed and verified');
    expectNoSecrets(sandbox, again);
  });

  test('a new bundle is downloaded and restarts the service without touching Airbyte', () => {
    expect(sandbox.run(writeScript(sandbox)).status).toBe(0);
    const next = 'console.log("orchestrator v2");\n';
    sandbox.serveBundle(next);
    const run = sandbox.run(writeScript(sandbox, testProps({ assetSha256: sha256(next) })));
    expect(run.status).toBe(0);
    expect(sandbox.read(`${APP}/orchestrator.js`)).toBe(next);
    expect(run.calls.some((c) => c.startsWith('abctl local install'))).toBe(false);
    expectCallsInOrder(run.calls, [/^aws s3 cp /, /^systemctl restart --no-block cdc-orchestrator$/]);
    expect(run.calls).not.toContain('systemctl daemon-reload');
  });

  test('low-resource mode adds the abctl flag', () => {
    const run = sandbox.run(writeScript(sandbox, testProps({ lowResourceMode: true })));
    expect(run.status).toBe(0);
    expect(run.calls).toContain('abctl local install --port 8000 --no-browser --low-resource-mode');
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
    expect(stepsLogged(run.log)).toEqual(ALL_STEPS.slice(0, 3));
    expect(run.calls.some((c) => /^(kubectl|aws|useradd)/.test(c))).toBe(false);
    expect(sandbox.exists('root/var/lib/airbyte-host-boot/airbyte-install')).toBe(false);

    // The next run picks up where this one stopped: Docker and abctl are not installed again.
    sandbox.control('abctl-fails', false);
    const retry = sandbox.run(writeScript(sandbox));
    expect(retry.status).toBe(0);
    expect(retry.calls.filter((c) => c.startsWith('dnf install -y docker') || c.endsWith('.tar.gz'))).toEqual([]);
  });

  test('a health timeout stops the boot in the airbyte-health step', () => {
    sandbox.control('never-healthy');
    const started = Date.now();
    const run = sandbox.run(writeScript(sandbox), [], { HEALTH_TIMEOUT_SECONDS: '1' });
    expect(run.status).not.toBe(0);
    expect(Date.now() - started).toBeLessThan(15000);
    expect(run.stderr).toContain('FAILED in step airbyte-health: no healthy answer from http://localhost:8000/api/public/v1/health within 1s');
    expect(stepsLogged(run.log)).toEqual(ALL_STEPS.slice(0, 4));
    expect(run.calls.filter((c) => c.includes('/health')).length).toBeGreaterThan(1);
    expect(run.calls.some((c) => c.startsWith('kubectl'))).toBe(false);
  });

  test('a checksum mismatch stops the boot and nothing is installed or started', () => {
    sandbox.serveBundle('console.log("tampered");\n');
    const run = sandbox.run(writeScript(sandbox));
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain(`FAILED in step orchestrator-bundle: checksum mismatch for s3://cdc-dev-assets/orchestrator/orchestrator.js: expected ${props.assetSha256}, got ${sha256('console.log("tampered");\n')}`);
    expect(stepsLogged(run.log)).toEqual(ALL_STEPS.slice(0, 7));
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
    expect(first.stderr).toContain('FAILED in step orchestrator-bundle: could not download the RDS CA bundle');
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
    // The bucket/key the stub serves differs from the rendered one, so `aws s3 cp` fails.
    const run = sandbox.run(writeScript(sandbox, testProps({ assetKey: 'orchestrator/missing.js' })));
    expect(run.status).not.toBe(0);
    expect(run.log).toMatch(/FAILED in step orchestrator-bundle: 'aws s3 cp .*' exited with status 1/);
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
