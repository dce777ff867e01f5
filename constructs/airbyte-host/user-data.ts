import * as fs from 'fs';
import * as path from 'path';
import { Token } from 'cdktf';
import { UserError } from '../user-error';

/** Values the Airbyte host's boot script needs; everything else in the script is static. */
export interface HostUserDataProps {
  /** AWS region of the host, e.g. `eu-west-1` (may be a token). */
  readonly region: string;
  /** Environment name, e.g. `dev`; used in log lines and the unit description. */
  readonly environment: string;
  /** Pinned abctl release tag, e.g. `v0.30.4`. */
  readonly abctlVersion: string;
  /** Airbyte Helm chart version abctl installs (`--chart-version`), e.g. `2.2.0`. */
  readonly airbyteChartVersion: string;
  /** Port Airbyte listens on (UI, public API); 8000 by convention. */
  readonly airbytePort: number;
  /** Pass `--low-resource-mode` to abctl; for hosts under 4 vCPU / 16 GiB. */
  readonly lowResourceMode: boolean;
  /** EBS volume (attached to the instance) that the script mounts at /root/.airbyte (may be a token). */
  readonly dataVolumeId: string;
  /**
   * Secret with Docker Hub credentials `{"username","password"}` for image pulls (may be a token).
   * @default anonymous pulls
   */
  readonly dockerHubSecretArn?: string;
  /** Secret the script writes `{client_id, client_secret}` JSON into (may be a token). */
  readonly airbyteCredentialsSecretArn: string;
  /** Secret with `{username,password,host,port,dbname}` the orchestrator reads at start (may be a token). */
  readonly databaseSecretArn: string;
  /** Secret an operator fills with the alert webhook URL (plain string); read at start if it has a value (may be a token). */
  readonly alertWebhookSecretArn: string;
  /** SSM parameter (name or ARN) holding the orchestrator config JSON, read at start (may be a token). */
  readonly orchestratorConfigParameter: string;
  /**
   * SSM parameter (name) listing the orchestrator release: `<sha256> <file> s3://bucket/key` lines.
   * The host installs those files, each after checking its sha256, at boot and before every
   * start of the unit; the bundle itself is not in the script, so a new one replaces no host.
   */
  readonly releaseParameter: string;
  /** SSM parameter (name) describing the source preparation, read by cdc-prepare-source. */
  readonly preparationParameter: string;
}

/**
 * Refusal of the host's user-data renderer: a value it cannot place safely in the boot script, or
 * a template (user-data.sh, which operators edit) that no longer matches the renderer.
 */
export class HostUserDataError extends UserError {}

const TEMPLATE_FILE = 'user-data.sh';
const BEGIN_VALUES = '# >>> VALUES';
const END_VALUES = '# <<< VALUES';

/** cdktf's marker for a string token; literal text around it is ours to escape, the marker is not. */
const STRING_TOKEN = /\$\{TfToken\[[a-zA-Z0-9:._-]+\]\}/g;

let cachedTemplate: string | undefined;

/**
 * Absolute path of a file beside the template (the host tools fetch-env.js, prepare-source.js),
 * under ts-jest and in the esbuild bundle alike.
 */
export function hostFilePath(name: string): string {
  const candidates = [path.join(__dirname, name), path.resolve(__dirname, '..', 'constructs', 'airbyte-host', name)];
  const found = candidates.find((candidate) => fs.existsSync(candidate));
  if (!found) throw new HostUserDataError(`Airbyte host file ${name} not found; looked in: ${candidates.join(', ')}`);
  return found;
}

/** Scripts the orchestrator release ships beside the bundle (installed into /opt/cdc-orchestrator). */
export const HOST_TOOLS: readonly string[] = ['fetch-env.js', 'prepare-source.js'];

/**
 * The template is read from disk rather than imported so it stays a plain `.sh` file. Its location
 * differs between ts-jest (beside this file) and the esbuild bundle (`dist/main.js`, one level
 * below the repository root), so both are tried.
 */
function loadTemplate(): string {
  if (cachedTemplate !== undefined) return cachedTemplate;
  cachedTemplate = fs.readFileSync(hostFilePath(TEMPLATE_FILE), 'utf8');
  return cachedTemplate;
}

type StringProp = Exclude<keyof HostUserDataProps, 'airbytePort' | 'lowResourceMode'>;

/** Shell variable names in the template's VALUES block, in order, and the prop each comes from. */
const VARIABLES: ReadonlyArray<readonly [string, keyof HostUserDataProps]> = [
  ['REGION', 'region'],
  ['ENVIRONMENT', 'environment'],
  ['ABCTL_VERSION', 'abctlVersion'],
  ['AIRBYTE_CHART_VERSION', 'airbyteChartVersion'],
  ['AIRBYTE_PORT', 'airbytePort'],
  ['LOW_RESOURCE_MODE', 'lowResourceMode'],
  ['DATA_VOLUME_ID', 'dataVolumeId'],
  ['DOCKER_HUB_SECRET_ARN', 'dockerHubSecretArn'],
  ['AIRBYTE_CREDENTIALS_SECRET_ARN', 'airbyteCredentialsSecretArn'],
  ['DATABASE_SECRET_ARN', 'databaseSecretArn'],
  ['ALERT_WEBHOOK_SECRET_ARN', 'alertWebhookSecretArn'],
  ['ORCHESTRATOR_CONFIG_PARAMETER', 'orchestratorConfigParameter'],
  ['RELEASE_PARAMETER', 'releaseParameter'],
  ['PREPARATION_PARAMETER', 'preparationParameter'],
];

const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;

/** Checks applied to concrete values; a token's value is only known to Terraform. */
const PATTERNS: Record<StringProp, { readonly pattern: RegExp; readonly expected: string; readonly concreteOnly?: boolean }> = {
  region: { pattern: /^[a-z]{2}(-[a-z]+)+-\d+$/, expected: 'an AWS region such as eu-west-1' },
  environment: { pattern: /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, expected: 'letters, digits, "-" or "_" (at most 64)', concreteOnly: true },
  abctlVersion: { pattern: /^v\d+\.\d+\.\d+$/, expected: 'a release tag such as v0.30.4', concreteOnly: true },
  airbyteChartVersion: { pattern: /^\d+\.\d+\.\d+$/, expected: 'a chart version such as 2.2.0', concreteOnly: true },
  dataVolumeId: { pattern: /^vol-[0-9a-f]{8,17}$/, expected: 'an EBS volume id such as vol-0123456789abcdef0' },
  dockerHubSecretArn: { pattern: SECRET_ARN, expected: 'a Secrets Manager secret ARN' },
  airbyteCredentialsSecretArn: { pattern: SECRET_ARN, expected: 'a Secrets Manager secret ARN' },
  databaseSecretArn: { pattern: SECRET_ARN, expected: 'a Secrets Manager secret ARN' },
  alertWebhookSecretArn: { pattern: SECRET_ARN, expected: 'a Secrets Manager secret ARN' },
  orchestratorConfigParameter: {
    pattern: /^(arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:parameter)?\/?[A-Za-z0-9_.\-/]{1,2048}$/,
    expected: 'an SSM parameter name or ARN',
  },
  releaseParameter: { pattern: /^\/[A-Za-z0-9_.\-/]{1,1010}$/, expected: 'an SSM parameter name such as /dev/cdc/host-release' },
  preparationParameter: { pattern: /^\/[A-Za-z0-9_.\-/]{1,1010}$/, expected: 'an SSM parameter name such as /dev/cdc/source-preparation' },
};

function invalid(prop: string, message: string): HostUserDataError {
  return new HostUserDataError(`HostUserDataProps.${prop} ${message}`);
}

/** Splits a string into literal runs and cdktf token markers, in order. */
function fragments(value: string): Array<{ literal: boolean; text: string }> {
  const parts: Array<{ literal: boolean; text: string }> = [];
  let last = 0;
  for (const match of value.matchAll(STRING_TOKEN)) {
    const at = match.index ?? 0;
    if (at > last) parts.push({ literal: true, text: value.slice(last, at) });
    parts.push({ literal: false, text: match[0] });
    last = at + match[0].length;
  }
  if (last < value.length) parts.push({ literal: true, text: value.slice(last) });
  return parts;
}

function validateString(prop: StringProp, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) throw invalid(prop, 'must be a non-empty string');
  const rule = PATTERNS[prop];
  if (Token.isUnresolved(value)) {
    if (rule.concreteOnly) throw invalid(prop, `must be a literal value (${rule.expected}), not a token`);
    // The header quotes each value with single quotes, so the literal text around a token must not
    // contain one; the token itself resolves to an ARN, name or key, which cannot.
    for (const part of fragments(value)) {
      if (part.literal && /['\r\n]/.test(part.text)) throw invalid(prop, 'must not contain quotes or line breaks');
    }
    return value;
  }
  if (!rule.pattern.test(value)) throw invalid(prop, `must be ${rule.expected} (got ${JSON.stringify(value)})`);
  return value;
}

function validate(props: HostUserDataProps): Map<string, string> {
  if (props === null || typeof props !== 'object') throw new HostUserDataError('HostUserDataProps must be an object');
  const port = props.airbytePort;
  if (typeof port !== 'number' || Token.isUnresolved(port) || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw invalid('airbytePort', `must be a literal integer port between 1 and 65535 (got ${String(port)})`);
  }
  if (typeof props.lowResourceMode !== 'boolean') {
    throw invalid('lowResourceMode', `must be true or false (got ${String(props.lowResourceMode)})`);
  }
  const values = new Map<string, string>();
  for (const [variable, prop] of VARIABLES) {
    if (prop === 'airbytePort') values.set(variable, String(port));
    else if (prop === 'lowResourceMode') values.set(variable, String(props.lowResourceMode));
    else if (prop === 'dockerHubSecretArn' && props[prop] === undefined) values.set(variable, '');
    else values.set(variable, validateString(prop, props[prop]));
  }
  return values;
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Plain bash, values substituted: what the sandbox tests execute. Values may contain cdktf tokens. */
export function renderUserData(props: HostUserDataProps): string {
  const values = validate(props);
  const template = loadTemplate();
  const begin = template.indexOf(`${BEGIN_VALUES}\n`);
  const end = template.indexOf(`${END_VALUES}\n`);
  if (begin < 0 || end < begin || template.indexOf(BEGIN_VALUES, begin + 1) >= 0 || template.indexOf(END_VALUES, end + 1) >= 0) {
    throw new HostUserDataError(`${TEMPLATE_FILE} must contain exactly one "${BEGIN_VALUES}" ... "${END_VALUES}" block`);
  }
  // The template's placeholder block names the variables its body uses; keep the two in step.
  const block = template.slice(begin + BEGIN_VALUES.length + 1, end);
  const templateVariables = [...block.matchAll(/^([A-Z0-9_]+)=/gm)].map((m) => m[1]);
  const ours = VARIABLES.map(([variable]) => variable);
  if (templateVariables.join(',') !== ours.join(',')) {
    throw new HostUserDataError(`${TEMPLATE_FILE} VALUES block declares [${templateVariables.join(', ')}] but the renderer fills [${ours.join(', ')}]`);
  }
  const header = ours.map((variable) => `${variable}=${shellQuote(values.get(variable) as string)}\n`).join('');
  return `${template.slice(0, begin)}${BEGIN_VALUES} (environment ${values.get('ENVIRONMENT')})\n${header}${template.slice(end)}`;
}

/**
 * Terraform reads every JSON string as a template, so a literal `${` or `%{` (bash is full of them)
 * must be written `$${` / `%%{`. Only the literal text is escaped: cdktf token markers must stay
 * intact so they still resolve to Terraform references.
 */
export function escapeForTerraform(text: string): string {
  const parts = fragments(text);
  return parts
    .map((part, i) => {
      if (!part.literal) return part.text;
      // `$` or `%` right before a token would turn the token's `${` into an escape.
      if (i + 1 < parts.length && /[$%]$/.test(part.text)) {
        throw new HostUserDataError(`user-data: "${part.text.slice(-20)}" ends with "$" or "%" right before a Terraform reference`);
      }
      // A function replacer: in a replacement string `$$` would itself mean `$`.
      return part.text.replace(/\$\{/g, () => '$${').replace(/%\{/g, () => '%%{');
    })
    .join('');
}

/**
 * The same script made safe to embed in Terraform JSON: literal `${` / `%{` in the static parts are
 * escaped (`$${`, `%%{`) while cdktf tokens in the values still resolve.
 */
export function userDataForTerraform(props: HostUserDataProps): string {
  return escapeForTerraform(renderUserData(props));
}
