import * as fs from 'fs';
import * as path from 'path';
import { ALL_RULES, PolicyRule } from '../../constructs/policy';

// The rule index in RULES.md against the files in constructs/policy/rules/: the folder holds
// rules only (one per file), and the table names each rule's file.
const policyDir = path.join(__dirname, '../../constructs/policy');
const rulesDir = path.join(policyDir, 'rules');

function isRule(value: unknown): value is PolicyRule {
  const candidate = value as Partial<PolicyRule> | null;
  return typeof candidate === 'object' && candidate !== null && typeof candidate.id === 'string' && typeof candidate.check === 'function';
}

/** `rules/<file>` → the rules it exports. */
function rulesByFile(): Map<string, PolicyRule[]> {
  const result = new Map<string, PolicyRule[]>();
  for (const name of fs.readdirSync(rulesDir).sort()) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const exported = require(path.join(rulesDir, name)) as Record<string, unknown>;
    result.set(`rules/${name}`, Object.values(exported).filter(isRule));
  }
  return result;
}

/** Rows of the index table under "## Rules": rule id → the file its last column names. */
function indexRows(doc: string): Array<{ id: string; file: string }> {
  const section = doc.split(/^## Rules$/m)[1]?.split(/^### /m)[0] ?? '';
  return section
    .split('\n')
    .filter((line) => /^\| CDC-/.test(line))
    .map((line) => {
      const cells = line.split('|').map((cell) => cell.trim());
      const file = /`([^`]+)`/.exec(cells[cells.length - 2])?.[1] ?? '';
      return { id: cells[1], file };
    });
}

const doc = fs.readFileSync(path.join(policyDir, 'RULES.md'), 'utf8');
const rows = indexRows(doc);
const files = rulesByFile();

describe('RULES.md rule index', () => {
  test('lists every rule of the pack once', () => {
    expect(rows.map((row) => row.id).sort()).toEqual(ALL_RULES.map((rule) => rule.id).sort());
  });

  test.each(rows.map((row) => [row.id, row.file] as const))('%s: its row names %s, which exists and exports that rule', (id, file) => {
    expect(fs.existsSync(path.join(policyDir, file))).toBe(true);
    expect((files.get(file) ?? []).map((rule) => rule.id)).toEqual([id]);
  });

  test('every file in rules/ exports exactly one rule of the pack and has a row', () => {
    const problems: string[] = [];
    for (const [file, rules] of files) {
      if (rules.length !== 1) problems.push(`${file} exports ${rules.length} rules (helpers belong in helpers/)`);
      else if (!ALL_RULES.includes(rules[0])) problems.push(`${file} exports ${rules[0].id}, which ALL_RULES does not list`);
      if (!rows.some((row) => row.file === file)) problems.push(`${file} has no row in RULES.md`);
    }
    expect(problems).toEqual([]);
  });
});
