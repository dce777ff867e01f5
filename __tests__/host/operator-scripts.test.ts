// scripts/tunnel.sh and scripts/boot-log.sh against a stubbed aws CLI and Session Manager plugin.
import * as fs from 'fs';
import * as path from 'path';
import { expectShellcheckClean } from '../support/shellcheck';
import { Sandbox } from './sandbox';

const TUNNEL = path.join(__dirname, '../../scripts/tunnel.sh');
const BOOT_LOG = path.join(__dirname, '../../scripts/boot-log.sh');
const LOOKUP = "aws ec2 describe-instances --filters Name=tag:Environment,Values=dev Name=tag:Role,Values=airbyte-host Name=instance-state-name,Values=running --query Reservations[].Instances[].InstanceId --output text";

let sandbox: Sandbox;
beforeEach(() => {
  sandbox = new Sandbox({ stubs: ['aws', 'session-manager-plugin', 'kubectl'] });
  sandbox.write('instances', 'i-0abc123def4567890');
});
afterEach(() => sandbox.cleanup());

test.each([TUNNEL, BOOT_LOG])('%s is shellcheck-clean', (script) => {
  expectShellcheckClean(script, ['--external-sources']);
});

describe('tunnel.sh', () => {
  test('--help explains usage and calls nothing', () => {
    const run = sandbox.run(TUNNEL, ['--help']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^Usage: scripts\/tunnel\.sh \[options\] <environment>/);
    expect(run.stdout).toContain('Role=airbyte-host');
    expect(run.calls).toEqual([]);
  });

  test('finds the host by its tags and forwards port 8000', () => {
    const run = sandbox.run(TUNNEL, ['dev']);
    expect(run.stderr).toContain('Forwarding localhost:8000 to i-0abc123def4567890:8000 (environment dev)');
    expect(run.status).toBe(0);
    expect(run.calls).toEqual([
      LOOKUP,
      'aws ssm start-session --target i-0abc123def4567890 --document-name AWS-StartPortForwardingSession --parameters portNumber=8000,localPortNumber=8000',
    ]);
  });

  test('passes region, profile and local port through', () => {
    const run = sandbox.run(TUNNEL, ['--region', 'eu-west-1', '--profile', 'ops', '-p', '18000', 'prod']);
    expect(run.status).toBe(0);
    expect(run.calls[0]).toMatch(/^aws --region eu-west-1 --profile ops ec2 describe-instances .*Values=prod /);
    expect(run.calls[1]).toBe('aws --region eu-west-1 --profile ops ssm start-session --target i-0abc123def4567890 --document-name AWS-StartPortForwardingSession --parameters portNumber=8000,localPortNumber=18000');
  });

  test('eks-helm: port-forwards to Airbyte\'s server service (8001) with a kubeconfig from aws eks update-kubeconfig', () => {
    const run = sandbox.run(TUNNEL, ['--mode', 'eks-helm', '--region', 'eu-west-1', 'prod'], { HOME: sandbox.dir });
    expect(run.stderr).toContain('Forwarding localhost:8000 to svc/airbyte-airbyte-server-svc:8001 in cdc-prod/airbyte (environment prod)');
    expect(run.status).toBe(0);
    const kubeconfig = `${sandbox.dir}/.cache/cdc-bigquery/kubeconfig-prod`;
    expect(run.calls).toEqual([
      `aws --region eu-west-1 eks update-kubeconfig --name cdc-prod --kubeconfig ${kubeconfig}`,
      `kubectl --kubeconfig ${kubeconfig} --namespace airbyte port-forward svc/airbyte-airbyte-server-svc 8000:8001`,
    ]);
  });

  test('eks-helm is detected from the synthesized stacks; --orchestrator reaches the status page of the Deployment', () => {
    sandbox.write('cdktf.out/stacks/dev-kubernetes/cdk.tf.json', JSON.stringify({ output: { airbyte_server_service: { value: 'data-sync/airbyte-airbyte-server-svc:8001' } } }));
    const run = sandbox.run(TUNNEL, ['--orchestrator', 'dev'], { HOME: sandbox.dir });
    expect(run.status).toBe(0);
    expect(run.calls[1]).toMatch(/^kubectl --kubeconfig \S+ --namespace data-sync port-forward deploy\/cdc-orchestrator 8089:8089$/);
    const host = sandbox.run(TUNNEL, ['--orchestrator', '--mode', 'ec2-abctl', 'dev']);
    expect(host.calls[1]).toContain('portNumber=8089,localPortNumber=8089');
  });

  test('eks-helm: a missing cluster or kubectl is one clear message', () => {
    sandbox.control('eks-missing');
    const run = sandbox.run(TUNNEL, ['--mode', 'eks-helm', 'dev'], { HOME: sandbox.dir });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('could not get a kubeconfig for the EKS cluster cdc-dev');
    expect(sandbox.run(TUNNEL, ['--mode', 'k8s', 'dev']).stderr).toContain("--mode must be ec2-abctl or eks-helm, got 'k8s'");
  });

  test('--instance-id skips the lookup', () => {
    const run = sandbox.run(TUNNEL, ['-i', 'i-0fedcba9876543210', 'dev']);
    expect(run.status).toBe(0);
    expect(run.calls).toEqual([expect.stringMatching(/^aws ssm start-session --target i-0fedcba9876543210 /)]);
  });

  test.each([
    [[], 2, /which environment\?/],
    [['dev', 'prod'], 2, /one environment only/],
    [['--local-port', 'http', 'dev'], 2, /--local-port must be a port number/],
    [['--local-port'], 2, /--local-port needs a value/],
    [['--bogus', 'dev'], 2, /unknown option --bogus/],
    [['dev;rm'], 2, /'dev;rm' is not an environment name/],
  ])('rejects %p', (args, status, message) => {
    const run = sandbox.run(TUNNEL, args as string[]);
    expect(run.status).toBe(status);
    expect(run.stderr).toMatch(message as RegExp);
    expect(run.calls).toEqual([]);
  });

  test('no running instance', () => {
    sandbox.write('instances', '');
    const run = sandbox.run(TUNNEL, ['dev']);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('no running instance tagged Environment=dev, Role=airbyte-host');
    expect(run.calls).toEqual([LOOKUP]);
  });

  test('several running instances', () => {
    sandbox.write('instances', 'i-0aaa\ti-0bbb');
    const run = sandbox.run(TUNNEL, ['dev']);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('several running instances tagged Environment=dev, Role=airbyte-host: i-0aaa i-0bbb; pick one with --instance-id');
  });

  test('the lookup failing (credentials, permissions)', () => {
    sandbox.control('aws-denied');
    const run = sandbox.run(TUNNEL, ['dev']);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('could not list instances');
  });

  test('no aws CLI', () => {
    fs.rmSync(path.join(sandbox.bin, 'aws'));
    const run = sandbox.run(TUNNEL, ['dev']);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('the AWS CLI (v2) is not installed or not on PATH');
  });

  test('no Session Manager plugin', () => {
    fs.rmSync(path.join(sandbox.bin, 'session-manager-plugin'));
    const run = sandbox.run(TUNNEL, ['dev']);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('the Session Manager plugin for the AWS CLI is not installed');
    expect(run.calls).toEqual([]);
  });
});

describe('boot-log.sh', () => {
  test('--help explains usage and calls nothing', () => {
    const run = sandbox.run(BOOT_LOG, ['-h']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^Usage: scripts\/boot-log\.sh \[options\] <environment>/);
    expect(run.stdout).toContain('/var/log/airbyte-host-boot.log');
    expect(run.calls).toEqual([]);
  });

  test('tails the boot log through Run Command and prints it', () => {
    sandbox.write('remote-stdout', '2026-01-01T00:00:00Z step docker: install and start Docker\n');
    const run = sandbox.run(BOOT_LOG, ['-n', '50', 'dev']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('step docker: install and start Docker');
    expect(run.calls).toEqual([
      LOOKUP,
      'aws ssm send-command --instance-ids i-0abc123def4567890 --document-name AWS-RunShellScript --comment boot-log.sh: tail /var/log/airbyte-host-boot.log --parameters {"commands":["tail -n 50 /var/log/airbyte-host-boot.log"]} --query Command.CommandId --output text',
      'aws ssm wait command-executed --command-id cmd-0123 --instance-id i-0abc123def4567890',
      'aws ssm get-command-invocation --command-id cmd-0123 --instance-id i-0abc123def4567890 --query Status --output text',
      'aws ssm get-command-invocation --command-id cmd-0123 --instance-id i-0abc123def4567890 --query StandardOutputContent --output text',
    ]);
  });

  test('--cloud-init reads the full cloud-init output instead', () => {
    sandbox.write('remote-stdout', 'x\n');
    const run = sandbox.run(BOOT_LOG, ['--cloud-init', 'dev']);
    expect(run.status).toBe(0);
    expect(run.calls[1]).toContain('{"commands":["tail -n 100 /var/log/cloud-init-output.log"]}');
  });

  test('a failed remote command reports its status and error', () => {
    sandbox.control('command-failed');
    const run = sandbox.run(BOOT_LOG, ['dev']);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('reading /var/log/airbyte-host-boot.log on i-0abc123def4567890 ended with status Failed');
    expect(run.stderr).toContain('No such file or directory');
  });

  test('--follow opens an interactive session running tail -F', () => {
    const run = sandbox.run(BOOT_LOG, ['--follow', '--region', 'eu-west-1', 'dev']);
    expect(run.status).toBe(0);
    expect(run.calls[1]).toBe('aws --region eu-west-1 ssm start-session --target i-0abc123def4567890 --document-name AWS-StartInteractiveCommand --parameters {"command":["sudo tail -n 100 -F /var/log/airbyte-host-boot.log"]}');
  });

  test('--follow without the Session Manager plugin', () => {
    fs.rmSync(path.join(sandbox.bin, 'session-manager-plugin'));
    const run = sandbox.run(BOOT_LOG, ['--follow', 'dev']);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('--follow needs the Session Manager plugin');
  });

  test.each([
    [['--lines', '10;reboot', 'dev'], /--lines must be a positive number/],
    [['--lines', '0', 'dev'], /--lines must be a positive number/],
    [[], /which environment\?/],
  ])('rejects %p', (args, message) => {
    const run = sandbox.run(BOOT_LOG, args as string[]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(message as RegExp);
    expect(run.calls).toEqual([]);
  });

  test('no aws CLI, no instance', () => {
    sandbox.write('instances', '');
    expect(sandbox.run(BOOT_LOG, ['dev']).stderr).toContain('no running instance tagged Environment=dev, Role=airbyte-host');
    fs.rmSync(path.join(sandbox.bin, 'aws'));
    const run = sandbox.run(BOOT_LOG, ['dev']);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('the AWS CLI (v2) is not installed or not on PATH');
  });
});
