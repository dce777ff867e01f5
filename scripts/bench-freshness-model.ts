// Freshness policy model (npm run bench:freshness-model): what the orchestrator's trigger rule
// (cost cap + settle rule) and three rules it does NOT have (a token bucket, the bucket deferring
// an over-budget change to the next change, a "max hold") can reach
// against cron at equal jobs per hour, over thousands of simulated hours instead of the bench's
// 4 h window; and how widely a 4 h window's ratio varies from one commit plan to the next.
// Model and its simplifications: orchestrator/testing/freshness-policy-model.ts. Streams, job model
// and the reading at equal cost: orchestrator/testing/freshness-bench.ts (imported, not copied).
//
// usage: node dist/bench-freshness-model.js [--hours 2000] [--seeds 8] [--window-seeds 40] [--only steady,bursty,sparse,rare]
//                                           [--bench-results dist/freshness-results.json]  (the bench's saved run, for the fidelity table)
import * as fs from 'fs';
import * as path from 'path';
import { ScenarioResult, StrategyResult, StreamKind, formatSeconds as fmt, orchestratorStalenessAt, planCommits, strategyName } from '../orchestrator/testing/freshness-bench';
import { Policy, TablePlan, cronPhases, measureStrategy, tablePlans } from '../orchestrator/testing/freshness-policy-model';

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

const HOURS = Number(argument('--hours') ?? 2000);
const SEEDS = Number(argument('--seeds') ?? 8);
const WINDOW_SEEDS = Number(argument('--window-seeds') ?? 40);
const STREAM_KINDS = (argument('--only') ?? 'steady,bursty,sparse,rare').split(',') as StreamKind[];
// The steady stream is periodic (a commit every 20 s): its only randomness is its start, so a few
// hundred hours measure it as well as thousands, at a third of the run time.
const hoursFor = (stream: StreamKind): number => (stream === 'steady' ? Math.min(HOURS, 500) : HOURS);
const PHASES = 4;
const CRON = [3600, 900, 300];
// Dense enough that every cron cost falls between two points of each family (log–log reading).
const CAPS = [0, 60, 120, 300, 450, 600, 750, 900, 1200, 1500, 1800, 2400, 2700, 3000, 3600, 4500, 5400, 7200, 10800];
const RATES = [0.25, 0.5, 0.75, 1, 1.25, 1.5, 2, 3, 4, 6, 8, 12, 20, 30, 60, 120];
const HOLDS = [0, 30, 60, 120, 300, 600, 900, 1200, 1800, 2700, 3600, 5400, 7200];
// The bench's own sweep and seed, for the 4 h window (scripts/bench-freshness.ts, runScenario).
const BENCH_CAPS = [0, 60, 300, 600, 900, 1800, 2400, 2700, 3600];
const BENCH_SEED = 14;

interface Family {
  readonly label: string;
  readonly points: ReadonlyArray<{ readonly parameterSeconds: number; readonly policy: Policy }>;
}

const FAMILIES: readonly Family[] = [
  { label: 'orchestrator: cap + settle (built)', points: CAPS.map((cap) => ({ parameterSeconds: cap, policy: { kind: 'cap', capSeconds: cap } })) },
  // Depth 1 is the cost cap at the refill interval (same jobs; tested), so only deeper buckets.
  ...[2, 3].map((depth) => ({
    label: `token bucket B=${depth} (NOT BUILT)`,
    points: RATES.map((perHour) => ({ parameterSeconds: 3600 / perHour, policy: { kind: 'bucket' as const, perHour, depth } })),
  })),
  {
    label: 'defer to the next change, B=2, hold ≤ 2 h (NOT BUILT)',
    points: RATES.map((perHour) => ({ parameterSeconds: 3600 / perHour, policy: { kind: 'defer' as const, perHour, depth: 2, maxHoldSeconds: 7200 } })),
  },
  ...[2, 4].map((factor) => ({
    label: `max hold, C=${factor}W (NOT BUILT)`,
    points: HOLDS.map((hold) => ({ parameterSeconds: hold, policy: { kind: 'max-hold' as const, holdSeconds: hold, forceAfterSeconds: factor * hold } })),
  })),
];

function measureCron(plans: readonly TablePlan[], period: number, generateSeconds: number): StrategyResult {
  return measureStrategy(plans, cronPhases(period, PHASES), { generateSeconds, name: strategyName('cron', period), kind: 'cron', parameterSeconds: period });
}

function measureFamily(plans: readonly TablePlan[], points: Family['points'], generateSeconds: number): StrategyResult[] {
  return points.map((p) => measureStrategy(plans, [p.policy], { generateSeconds, name: String(p.parameterSeconds), kind: 'orchestrator', parameterSeconds: p.parameterSeconds }));
}

/** cron mean ÷ the family's curve read at cron's cost: the bench's reading (orchestratorStalenessAt). */
function ratio(family: readonly StrategyResult[], cron: StrategyResult): number {
  const at = orchestratorStalenessAt([...family, cron], cron.jobsPerHour);
  return at === undefined ? NaN : cron.meanStalenessSeconds / at;
}

const sorted = (values: readonly number[]) => values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
function quantile(values: readonly number[], q: number): number {
  const s = sorted(values);
  if (s.length === 0) return NaN;
  const i = (s.length - 1) * q;
  return s[Math.floor(i)] + (s[Math.ceil(i)] - s[Math.floor(i)]) * (i - Math.floor(i));
}
const x = (v: number) => (Number.isFinite(v) ? `${v.toFixed(2)}×` : '–');
const spread = (values: readonly number[]) => `${x(quantile(values, 0.5))} (${x(quantile(values, 0))}–${x(quantile(values, 1))})`;

/** One row per family: its points whose median cost is 0.75–1.35 jobs/h. */
function curveAround(perSeed: ReadonlyArray<readonly StrategyResult[][]>): string[] {
  return FAMILIES.map((family, f) => {
    const points = family.points
      .map((point, p) => ({
        parameter: point.parameterSeconds,
        jobsPerHour: quantile(perSeed.map((families) => families[f][p].jobsPerHour), 0.5),
        mean: quantile(perSeed.map((families) => families[f][p].meanStalenessSeconds), 0.5),
      }))
      .filter((point) => point.jobsPerHour >= 0.75 && point.jobsPerHour <= 1.35)
      .sort((a, b) => a.jobsPerHour - b.jobsPerHour);
    const kind = family.points[0].policy.kind;
    const name = kind === 'bucket' || kind === 'defer' ? 'refill' : kind === 'cap' ? 'cap' : 'W';
    return `| ${family.label} | ${points.map((p) => `${name} ${fmt(p.parameter)}: ${p.jobsPerHour.toFixed(2)}/h, ${fmt(p.mean)}`).join('; ')} |`;
  });
}

/**
 * The model against the bench's last saved run (npm run bench:freshness writes it), on the same
 * plans (the bench's seed): per scenario and orchestrator cap, the model's mean staleness and
 * jobs/h beside the bench's. Cron is left out: the bench draws its phases at random.
 */
function fidelity(): string[] {
  const file = argument('--bench-results') ?? path.join(__dirname, '..', 'dist', 'freshness-results.json');
  if (!fs.existsSync(file)) return [`Fidelity: no saved bench run at ${file} to compare with.`];
  const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as ScenarioResult[];
  const caps = [...new Set(saved.flatMap((s) => s.strategies.filter((x) => x.kind === 'orchestrator').map((x) => x.parameterSeconds)))].sort((a, b) => a - b);
  const lines = [
    `Fidelity: the model against the bench's saved run (${path.relative(process.cwd(), file)}, seed ${BENCH_SEED}, same plans), orchestrator at each cap: mean staleness model / bench (jobs/h model / bench).`,
    '',
    `| scenario | ${caps.map((cap) => strategyName('orchestrator', cap)).join(' | ')} |`,
    `|---|${caps.map(() => '---').join('|')}|`,
  ];
  for (const scenario of saved) {
    const starts = scenario.tableWindowStarts ?? [];
    const plans = tablePlans(planCommits(scenario.stream, scenario.connections, scenario.generateSeconds, BENCH_SEED, starts), scenario.connections, starts);
    const cells = caps.map((cap) => {
      const bench = scenario.strategies.find((x) => x.kind === 'orchestrator' && x.parameterSeconds === cap);
      if (!bench) return '–';
      const model = measureStrategy(plans, [{ kind: 'cap', capSeconds: cap }], { generateSeconds: scenario.generateSeconds, name: bench.strategy, kind: 'orchestrator', parameterSeconds: cap });
      return `${fmt(model.meanStalenessSeconds)} / ${fmt(bench.meanStalenessSeconds)} (${model.jobsPerHour.toFixed(2)} / ${bench.jobsPerHour.toFixed(2)})`;
    });
    lines.push(`| ${scenario.stream}/${scenario.connections}, ${scenario.generateSeconds / 3600} h | ${cells.join(' | ')} |`);
  }
  return lines;
}

function main(): void {
  const started = process.hrtime.bigint();
  const seeds = Array.from({ length: SEEDS }, (_, i) => i + 1);
  const lines: string[] = [];
  lines.push(`Freshness policy model: ${SEEDS} seeds × ${HOURS} h per stream (steady ${hoursFor('steady')} h), 1 connection, poll 30 s, cron at ${PHASES} phases pooled. Ratio = cron mean ÷ the family's mean read at cron's jobs/h (the bench's log–log reading); median (min–max) over seeds. NOT BUILT = not in the orchestrator, for comparison only.`);
  lines.push('');
  lines.push(`| stream | cron | cron mean, jobs/h | orchestrator mean at that cost | ${FAMILIES.map((f) => f.label).join(' | ')} |`);
  lines.push(`|---|---|---|---|${FAMILIES.map(() => '---').join('|')}|`);
  const curves: string[] = [];
  for (const stream of STREAM_KINDS) {
    const perSeed = seeds.map((seed) => {
      const seconds = hoursFor(stream) * 3600;
      const plans = tablePlans(planCommits(stream, 1, seconds, seed), 1);
      const crons = CRON.map((period) => measureCron(plans, period, seconds));
      const families = FAMILIES.map((family) => measureFamily(plans, family.points, seconds));
      return { crons, families, ratios: crons.map((cron) => families.map((family) => ratio(family, cron))) };
    });
    CRON.forEach((period, c) => {
      const cronMean = quantile(perSeed.map((s) => s.crons[c].meanStalenessSeconds), 0.5);
      const cronCost = quantile(perSeed.map((s) => s.crons[c].jobsPerHour), 0.5);
      const orchestratorMean = quantile(perSeed.map((s) => orchestratorStalenessAt([...s.families[0], s.crons[c]], s.crons[c].jobsPerHour) ?? NaN), 0.5);
      const cells = FAMILIES.map((_, f) => spread(perSeed.map((s) => s.ratios[c][f])));
      lines.push(`| ${stream} | ${strategyName('cron', period)} | ${fmt(cronMean)}, ${cronCost.toFixed(2)} | ${fmt(orchestratorMean)} | ${cells.join(' | ')} |`);
    });
    if (stream === 'bursty') curves.push(...curveAround(perSeed.map((s) => s.families)));
  }
  lines.push('');
  lines.push(`Bursty, each family's curve near 1 job/h (the hourly cron's cost): parameter → jobs/h, mean staleness (medians over seeds).`);
  lines.push('');
  lines.push('| family | points |');
  lines.push('|---|---|');
  lines.push(...curves);

  lines.push('');
  lines.push(`One 4 h window (the bench's measurement: its caps ${BENCH_CAPS.map((c) => c / 60).join(', ')} min, +65 min drain) against cron, over ${WINDOW_SEEDS} commit plans (seeds 1–${WINDOW_SEEDS}); seed ${BENCH_SEED} is the bench's plan. The built rule at the bench's caps, and the deferring rule (NOT BUILT) at its refill rates.`);
  lines.push('');
  lines.push(`| stream | conn. | policy | cron | median | p10–p90 | min–max | no reading (cron cheaper than every point, or no commits) | seed ${BENCH_SEED} |`);
  lines.push('|---|---|---|---|---|---|---|---|---|');
  const windowSeconds = 4 * 3600;
  const windowFamilies = [
    { label: 'built', points: FAMILIES[0].points.filter((p) => BENCH_CAPS.includes(p.parameterSeconds)) },
    ...FAMILIES.filter((f) => f.points[0].policy.kind === 'defer').map((f) => ({ label: 'defer', points: f.points })),
  ];
  for (const stream of STREAM_KINDS.filter((s) => s !== 'steady')) {
    for (const tables of [1, 5]) {
      const plans = [...Array.from({ length: WINDOW_SEEDS }, (_, i) => i + 1).filter((s) => s !== BENCH_SEED), BENCH_SEED];
      const results = plans.map((seed) => {
        const plans = tablePlans(planCommits(stream, tables, windowSeconds, seed), tables);
        const crons = [3600, 900].map((period) => measureCron(plans, period, windowSeconds));
        return { seed, ratios: windowFamilies.map((family) => crons.map((cron) => ratio(measureFamily(plans, family.points, windowSeconds), cron))) };
      });
      windowFamilies.forEach((family, f) => {
        [3600, 900].forEach((period, c) => {
          // Seeds 1…WINDOW_SEEDS; the bench's seed is run even when outside them, but only counted inside.
          const values = results.filter((r) => r.seed <= WINDOW_SEEDS).map((r) => r.ratios[f][c]);
          const bench = results.find((r) => r.seed === BENCH_SEED)?.ratios[f][c] ?? NaN;
          const missing = values.filter((v) => !Number.isFinite(v)).length;
          lines.push(`| ${stream} | ${tables} | ${family.label} | ${strategyName('cron', period)} | ${x(quantile(values, 0.5))} | ${x(quantile(values, 0.1))}–${x(quantile(values, 0.9))} | ${x(quantile(values, 0))}–${x(quantile(values, 1))} | ${missing} of ${values.length} | ${x(bench)} |`);
        });
      });
    }
  }
  lines.push('');
  lines.push(...fidelity());
  lines.push('');
  lines.push(`Run time: ${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(1)} s.`);
  console.log(lines.join('\n'));
}

main();
