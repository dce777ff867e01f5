import { CHECKED_IN_ENVIRONMENTS, EnvironmentConfig, ephemeralEnvironment } from '../../config';
import { StackJson, synthEnvironment } from '../support/synth';

const environments: EnvironmentConfig[] = [...CHECKED_IN_ENVIRONMENTS, ephemeralEnvironment('pr-123')];
const synthesized = environments.map((config) => ({ config, result: synthEnvironment(config) }));

const SECRET_KEY = /(password|secret|private_key|token|credentials|client_id)/i;
/** Keys that match the pattern but hold settings, not secrets. */
const NOT_SECRET = new Set(['http_tokens', 'manage_master_user_password', 'token_url']);

/** Every string under a secret-looking key that is a literal instead of a Terraform reference. */
function literalSecrets(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => literalSecrets(v, `${path}[${i}]`));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, v]) => {
      const here = path ? `${path}.${key}` : key;
      if (SECRET_KEY.test(key) && !NOT_SECRET.has(key) && typeof v === 'string' && !/^\$\{.+\}$/s.test(v) && !/^(secretsmanager|kms):/.test(v)) {
        return [here];
      }
      return literalSecrets(v, here);
    });
  }
  return [];
}

/** `"password" = "literal"` inside a jsonencode() expression. */
function literalSecretsInExpressions(text: string): string[] {
  const found: string[] = [];
  const pattern = /\\"(password|hmac_key_secret|hmac_key_access_id|credentials_json|client_secret)\\" = \\"/g;
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(text))) found.push(match[1]);
  return found;
}

describe.each(synthesized.map(({ config, result }) => [config.name, result] as const))('environment %s', (name, result) => {
  test('yields the three stacks <env>-aws, <env>-gcp, <env>-airbyte', () => {
    expect([result.stacks.aws.node.id, result.stacks.gcp.node.id, result.stacks.airbyte.node.id]).toEqual([`${name}-aws`, `${name}-gcp`, `${name}-airbyte`]);
  });

  test('no secret appears in clear text in any stack', () => {
    for (const [role, stack] of Object.entries({ aws: result.aws, gcp: result.gcp, airbyte: result.airbyte }) as Array<[string, StackJson]>) {
      const withoutMetadata = JSON.parse(JSON.stringify(stack), (key, value) => (key === '//' ? undefined : value));
      expect({ role, literals: literalSecrets(withoutMetadata.resource ?? {}) }).toEqual({ role, literals: [] });
      expect({ role, literals: literalSecrets(withoutMetadata.provider ?? {}) }).toEqual({ role, literals: [] });
      const text = result.text[role as 'aws' | 'gcp' | 'airbyte'];
      expect({ role, expressions: literalSecretsInExpressions(text) }).toEqual({ role, expressions: [] });
      expect(text).not.toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----/);
      expect(text).not.toMatch(/AKIA[0-9A-Z]{16}/);
    }
  });

  test('the scanner itself catches a literal password', () => {
    expect(literalSecrets({ aws_db_instance: { x: { password: 'hunter2hunter2' } } })).toEqual(['aws_db_instance.x.password']);
    expect(literalSecretsInExpressions('{"configuration": "${jsonencode({\\"password\\" = \\"hunter2\\"})}"}')).toEqual(['password']);
  });

  test('cross-stack values reach the Airbyte stack through remote state with the same backend', () => {
    const remote = result.airbyte.data!.terraform_remote_state as Record<string, Record<string, unknown>>;
    expect(Object.keys(remote).sort()).toEqual([`cross-stack-reference-input-${name}-aws`, `cross-stack-reference-input-${name}-gcp`]);
    const backend = result.airbyte.terraform!.backend as Record<string, Record<string, unknown>>;
    const bucket = name === 'prod' ? 'example-terraform-state-prod' : 'example-terraform-state-dev';
    expect(backend.s3).toMatchObject({ bucket, key: `cdc-bigquery/${name}/${name}-airbyte.tfstate`, encrypt: true, use_lockfile: true });
    expect(remote[`cross-stack-reference-input-${name}-aws`]).toMatchObject({ backend: 's3', config: { bucket, key: `cdc-bigquery/${name}/${name}-aws.tfstate` } });
  });
});

describe('local backend (the default when an environment names none)', () => {
  test('state files sit at the project root and sibling stacks find them', () => {
    const local = synthEnvironment({ ...CHECKED_IN_ENVIRONMENTS[0], backend: undefined });
    const name = CHECKED_IN_ENVIRONMENTS[0].name;
    expect((local.airbyte.terraform!.backend as Record<string, unknown>).local).toEqual({ path: `../../../terraform.${name}-airbyte.tfstate` });
    const remote = local.airbyte.data!.terraform_remote_state as Record<string, Record<string, unknown>>;
    expect(remote[`cross-stack-reference-input-${name}-aws`]).toMatchObject({ backend: 'local', config: { path: `../../../terraform.${name}-aws.tfstate` } });
  });
});
