// Freshness benchmark (npm run bench:freshness): the orchestrator (cost cap swept) against cron
// schedules, in compressed time, for steady, bursty and sparse change streams and 1 and 5
// connections. Method: orchestrator/testing/freshness-bench.ts. Prints a markdown table and the
// comparison at equal cost; writes the charts to orchestrator/docs/.
//
// usage: node dist/bench-freshness.js [--hours H] [--ms-per-minute N] [--only steady,bursty,sparse] [--connections 1,5]
//        node dist/bench-freshness.js --render dist/freshness-results.json   (tables and charts of a saved run)
import * as fs from 'fs';
import * as path from 'path';
import { startPostgresCluster } from '../__tests__/support/postgres';
import { JOB_MODEL, STREAMS, ScenarioResult, StreamKind, cronStalenessAt, orchestratorStalenessAt, renderCostCurveSvg, renderTimelineSvg, runScenario } from '../orchestrator/testing/freshness-bench';

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

const HOURS = Number(argument('--hours') ?? 6);
const MS_PER_MINUTE = Number(argument('--ms-per-minute') ?? 400);
const STREAM_KINDS = (argument('--only') ?? 'steady,bursty,sparse').split(',') as StreamKind[];
const CONNECTIONS = (argument('--connections') ?? '1,5').split(',').map(Number);
const CAPS = [0, 60, 300, 900, 3600];
const CRON = [60, 300, 900, 3600];
const POLL_SECONDS = 30;

const fmt = (seconds: number): string => (Number.isNaN(seconds) ? '–' : seconds >= 3600 ? `${(seconds / 3600).toFixed(2)} h` : seconds >= 120 ? `${(seconds / 60).toFixed(1)} min` : `${seconds.toFixed(0)} s`);

async function main(): Promise<void> {
  const renderOnly = argument('--render');
  if (renderOnly) return report(JSON.parse(fs.readFileSync(renderOnly, 'utf8')) as ScenarioResult[], Date.now());
  const cluster = await startPostgresCluster();
  // The orchestrators' state on a second server (see ScenarioOptions.stateDatabaseUrl).
  const stateCluster = await startPostgresCluster({ serverOptions: { wal_level: 'replica' } });
  const scenarios: ScenarioResult[] = [];
  const started = Date.now();
  try {
    for (const stream of STREAM_KINDS) {
      for (const connections of CONNECTIONS) {
        const databaseUrl = await cluster.createDatabase(`fresh_${stream}_${connections}`);
        const stateDatabaseUrl = await stateCluster.createDatabase(`state_${stream}_${connections}`);
        scenarios.push(
          await runScenario({
            databaseUrl,
            stateDatabaseUrl,
            stream,
            connections,
            generateSeconds: HOURS * 3600,
            drainSeconds: 3900,
            msPerSimMinute: MS_PER_MINUTE,
            caps: CAPS,
            cronPeriods: CRON,
            pollSeconds: POLL_SECONDS,
            log: (line) => console.error(`[${((Date.now() - started) / 1000).toFixed(0)} s] ${line}`),
          }),
        );
      }
    }
  } finally {
    cluster.stop();
    stateCluster.stop();
  }

  fs.mkdirSync(path.join(__dirname, '..', 'dist'), { recursive: true });
  fs.writeFileSync(path.join(__dirname, '..', 'dist', 'freshness-results.json'), JSON.stringify(scenarios));
  report(scenarios, started);
}

/** Prints the tables and writes the charts (also from a saved run: --render dist/freshness-results.json). */
function report(scenarios: ScenarioResult[], started: number): void {
  const lines: string[] = [];
  lines.push(`Simulated ${scenarios[0].generateSeconds / 3600} h of changes per scenario (+65 min drain), 1 simulated minute = ${scenarios[0].msPerSimMinute} ms; job = ${JOB_MODEL.startupSeconds} s start-up + ${JOB_MODEL.perRowSeconds} s/row + ${JOB_MODEL.endWaitSeconds} s end; orchestrator POLL_INTERVAL_SECONDS=${POLL_SECONDS}, JOB_POLL 1–15 s.`);
  lines.push('');
  lines.push('| stream | conn. | strategy | mean staleness | p95 staleness | jobs/h per connection | mean job |');
  lines.push('|---|---|---|---|---|---|---|');
  for (const scenario of scenarios) {
    for (const s of scenario.strategies) {
      lines.push(`| ${scenario.stream} | ${scenario.connections} | ${s.strategy} | ${fmt(s.meanStalenessSeconds)} | ${fmt(s.p95StalenessSeconds)} | ${s.jobsPerHour.toFixed(1)} | ${fmt(s.meanJobSeconds)} |`);
    }
  }
  lines.push('');
  lines.push('At equal cost (the orchestrator\'s cap-sweep curve read at each cron\'s jobs/hour; "cheaper" = even uncapped it spends fewer jobs, so its freshest point is used):');
  lines.push('');
  lines.push('| stream | conn. | cron | cron mean / p95 | orchestrator at ≤ that cost, mean / p95 | cron ÷ orchestrator (mean) |');
  lines.push('|---|---|---|---|---|---|');
  const checks: string[] = [];
  for (const scenario of scenarios) {
    for (const cron of scenario.strategies.filter((s) => s.kind === 'cron')) {
      const mean = orchestratorStalenessAt(scenario.strategies, cron.jobsPerHour, 'meanStalenessSeconds');
      const p95 = orchestratorStalenessAt(scenario.strategies, cron.jobsPerHour, 'p95StalenessSeconds');
      const ratio = mean === undefined ? undefined : cron.meanStalenessSeconds / mean;
      lines.push(`| ${scenario.stream} | ${scenario.connections} | ${cron.strategy} | ${fmt(cron.meanStalenessSeconds)} / ${fmt(cron.p95StalenessSeconds)} | ${mean === undefined ? 'n/a (costs more)' : `${fmt(mean)} / ${fmt(p95 as number)}`} | ${ratio === undefined ? '–' : `${ratio.toFixed(2)}×`} |`);
      if (ratio !== undefined) {
        const needed = scenario.stream === 'steady' ? 1 : 2;
        checks.push(`${ratio >= needed ? 'MET ' : 'MISS'} ${scenario.stream}/${scenario.connections} vs ${cron.strategy}: ${ratio.toFixed(2)}× (target ≥ ${needed}×)`);
      }
    }
    const uncapped = scenario.strategies.find((s) => s.kind === 'orchestrator' && s.parameterSeconds === 0);
    if (scenario.stream === 'steady' && uncapped) {
      const ratio = uncapped.meanStalenessSeconds / uncapped.meanJobSeconds;
      checks.push(`${ratio <= 1.5 ? 'MET ' : 'MISS'} steady/${scenario.connections} uncapped mean staleness ${fmt(uncapped.meanStalenessSeconds)} = ${ratio.toFixed(2)}× the mean job ${fmt(uncapped.meanJobSeconds)} (target ≤ 1.5×)`);
    }
    const lost = scenario.strategies.filter((s) => s.uncarried > 0);
    for (const s of lost) checks.push(`NOTE ${scenario.stream}/${scenario.connections} ${s.strategy}: ${s.uncarried} of ${s.commits} commits not carried by the end of the window`);
  }
  lines.push('');
  lines.push('And at each orchestrator point, cron at the same cost (its curve interpolated; n/a outside 1–60 jobs/h):');
  lines.push('');
  lines.push('| stream | conn. | orchestrator | jobs/h | mean / p95 | cron at that cost, mean / p95 | cron ÷ orchestrator (mean) |');
  lines.push('|---|---|---|---|---|---|---|');
  for (const scenario of scenarios) {
    for (const o of scenario.strategies.filter((s) => s.kind === 'orchestrator')) {
      const mean = cronStalenessAt(scenario.strategies, o.jobsPerHour, 'meanStalenessSeconds');
      const p95 = cronStalenessAt(scenario.strategies, o.jobsPerHour, 'p95StalenessSeconds');
      const ratio = mean === undefined ? undefined : mean / o.meanStalenessSeconds;
      lines.push(`| ${scenario.stream} | ${scenario.connections} | ${o.strategy} | ${o.jobsPerHour.toFixed(1)} | ${fmt(o.meanStalenessSeconds)} / ${fmt(o.p95StalenessSeconds)} | ${mean === undefined ? 'n/a' : `${fmt(mean)} / ${fmt(p95 as number)}`} | ${ratio === undefined ? '–' : `${ratio.toFixed(2)}×`} |`);
      if (ratio !== undefined) {
        const needed = scenario.stream === 'steady' ? 1 : 2;
        checks.push(`${ratio >= needed ? 'MET ' : 'MISS'} ${scenario.stream}/${scenario.connections} ${o.strategy} (${o.jobsPerHour.toFixed(1)} jobs/h) vs cron at that cost: ${ratio.toFixed(2)}× (target ≥ ${needed}×)`);
      }
    }
  }
  lines.push('');
  lines.push('Targets:');
  lines.push(...checks.map((c) => `- ${c}`));
  lines.push('');
  lines.push(`Streams: ${Object.entries(STREAMS).map(([k, v]) => `${k} = ${v}`).join('; ')}.`);
  console.log(lines.join('\n'));

  const docs = path.join(__dirname, '..', 'orchestrator', 'docs');
  fs.mkdirSync(docs, { recursive: true });
  fs.writeFileSync(path.join(docs, 'freshness-cost-curve.svg'), renderCostCurveSvg(scenarios));
  fs.writeFileSync(
    path.join(docs, 'freshness-timeline.svg'),
    renderTimelineSvg(
      scenarios.filter((s) => s.connections === Math.min(...CONNECTIONS)),
      (s) => s.kind === 'cron' || s.parameterSeconds === 0,
    ),
  );
  fs.writeFileSync(path.join(docs, 'freshness-results.md'), `${lines.join('\n')}\n`);
  console.error(`charts: orchestrator/docs/freshness-cost-curve.svg, orchestrator/docs/freshness-timeline.svg; table: orchestrator/docs/freshness-results.md (${((Date.now() - started) / 60000).toFixed(1)} min)`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
