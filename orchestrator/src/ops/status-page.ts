// Renders the status model as one self-contained HTML page: inline CSS and SVG, no scripts, no
// external resources, so it works through the SSM tunnel and leaks nothing to third parties.
import { ConnectionStatus, FreshnessStatus, JobStatus, SlotStatus, StatusModel } from './status-model';
import { formatBytes } from '../probe/wal-guard';

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

export function formatDuration(totalSeconds: number): string {
  const s = Math.round(totalSeconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}

function ago(at: string | null, now: number): string {
  if (!at) return '<span class="muted">never</span>';
  const seconds = Math.max(0, (now - Date.parse(at)) / 1000);
  return `<time datetime="${escapeHtml(at)}" title="${escapeHtml(at)}">${formatDuration(seconds)} ago</time>`;
}

/** Inline SVG of job durations, oldest → newest; failed jobs drawn as red dots. */
export function sparkline(jobs: readonly JobStatus[], width = 160, height = 32): string {
  const ended = jobs.filter((job) => job.durationSeconds !== null);
  if (ended.length === 0) return '<span class="muted">no finished jobs</span>';
  const max = Math.max(...ended.map((job) => job.durationSeconds as number), 0.001);
  const step = ended.length > 1 ? (width - 6) / (ended.length - 1) : 0;
  const points = ended.map((job, i) => ({ x: 3 + i * step, y: height - 3 - ((job.durationSeconds as number) / max) * (height - 6), job }));
  const line = points.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
  const dots = points
    .map((p) => `<circle cx="${p.x.toFixed(1)}" cy="${p.y.toFixed(1)}" r="${p.job.failed ? 3 : 2}" class="${p.job.failed ? 'dot-failed' : 'dot'}"><title>job ${p.job.jobId}: ${escapeHtml(p.job.status)}, ${formatDuration(p.job.durationSeconds as number)}</title></circle>`)
    .join('');
  const label = `durations of the last ${ended.length} jobs, longest ${formatDuration(max)}`;
  return `<svg class="spark" role="img" aria-label="${escapeHtml(label)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><title>${escapeHtml(label)}</title><polyline points="${line}" fill="none" stroke="#3b6ea8" stroke-width="1.5"/>${dots}</svg>`;
}

/** Inline SVG of the worst staleness over the window, with the target as a dashed line. */
export function stalenessChart(freshness: FreshnessStatus, width = 240, height = 48): string {
  const points = freshness.chart;
  if (points.length < 2) return '<span class="muted">no history yet</span>';
  const t0 = Date.parse(points[0].at);
  const span = Math.max(1, Date.parse(points[points.length - 1].at) - t0);
  const max = Math.max(freshness.targetSeconds * 1.25, ...points.map((p) => p.seconds), 0.001);
  const x = (at: string) => (2 + ((Date.parse(at) - t0) / span) * (width - 4)).toFixed(1);
  const y = (seconds: number) => (height - 2 - (seconds / max) * (height - 4)).toFixed(1);
  const line = points.map((p) => `${x(p.at)},${y(p.seconds)}`).join(' ');
  const targetY = y(freshness.targetSeconds);
  const peak = Math.max(...points.map((p) => p.seconds));
  const label = `worst staleness since ${freshness.windowStart ?? points[0].at}: peak ${formatDuration(peak)}, target ${formatDuration(freshness.targetSeconds)}`;
  return `<svg class="spark staleness" role="img" aria-label="${escapeHtml(label)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><title>${escapeHtml(label)}</title><line class="target" x1="0" x2="${width}" y1="${targetY}" y2="${targetY}" stroke="#b42318" stroke-width="1" stroke-dasharray="4 3"/><polyline points="${line}" fill="none" stroke="#3b6ea8" stroke-width="1.5"/></svg>`;
}

function freshnessLine(freshness: FreshnessStatus): string {
  const share = freshness.shareWithinTarget24h === null ? '<span class="muted">no jobs yet</span>' : `${(freshness.shareWithinTarget24h * 100).toFixed(1)}%`;
  const worst = freshness.worstStalenessSeconds > 0 ? formatDuration(freshness.worstStalenessSeconds) : 'in sync';
  return `<p class="freshness" data-freshness-target="${freshness.targetSeconds}" data-within-target="${freshness.withinTarget}">Freshness target: <strong>${formatDuration(freshness.targetSeconds)}</strong> · worst now: <span class="worst ${freshness.withinTarget ? '' : 'bad'}">${worst}</span> · within target (last 24 h): <span class="share">${share}</span> ${stalenessChart(freshness)}</p>`;
}

function jobBadge(job: JobStatus | null): string {
  if (!job) return '<span class="muted">no job yet</span>';
  const cls = job.failed ? 'badge failed' : job.status === 'succeeded' ? 'badge ok' : 'badge running';
  const text = `${job.failed ? '✗ ' : job.status === 'succeeded' ? '✓ ' : '… '}${job.status.toUpperCase()}`;
  const id = job.url ? `<a href="${escapeHtml(job.url)}">job ${job.jobId}</a>` : `job ${job.jobId}`;
  const why = job.triggerReason ? ` <span class="muted">(${escapeHtml(job.triggerReason)})</span>` : '';
  return `<span class="${cls}" data-job-status="${escapeHtml(job.status)}">${text}</span> ${id}${why}`;
}

function slotRow(slot: SlotStatus, now: number): string {
  const bad = !slot.exists || slot.walStatus === 'lost' || slot.walStatus === 'unreserved';
  const state = !slot.exists ? 'MISSING' : `${escapeHtml(slot.walStatus ?? 'unknown')}${slot.active ? ', consumer connected' : ', no consumer'}`;
  const lag = slot.lagBytes === null ? '–' : formatBytes(slot.lagBytes);
  return `<tr class="${bad || slot.overThreshold ? 'row-bad' : ''}"><td><code>${escapeHtml(slot.slotName)}</code></td><td>${state}</td><td class="num ${slot.overThreshold ? 'bad' : ''}">${lag}</td><td class="num">${formatBytes(slot.thresholdBytes)}</td><td>${ago(slot.observedAt, now)}${slot.error ? ` <span class="bad">${escapeHtml(slot.error)}</span>` : ''}</td></tr>`;
}

function connectionSection(connection: ConnectionStatus, now: number): string {
  const title = connection.name ? `${escapeHtml(connection.name)} <span class="muted">${escapeHtml(connection.connectionId)}</span>` : escapeHtml(connection.connectionId);
  const history = connection.jobHistoryUrl ? ` · <a href="${escapeHtml(connection.jobHistoryUrl)}">job history in Airbyte</a>` : '';
  const rows = connection.tables
    .map((table) => {
      const stale = table.stalenessSeconds > 0;
      return `<tr class="${table.lastError ? 'row-bad' : ''}"><td><code>${escapeHtml(table.schema)}.${escapeHtml(table.table)}</code></td><td>${ago(table.lastChangeSeenAt, now)}</td><td>${ago(table.lastSyncedAt, now)}</td><td class="num ${stale ? 'warn' : ''}">${stale ? formatDuration(table.stalenessSeconds) : 'in sync'}</td><td class="bad">${escapeHtml(table.lastError ?? '')}</td></tr>`;
    })
    .join('');
  return `<section class="connection" data-connection-id="${escapeHtml(connection.connectionId)}">
<h2>${title}</h2>${connection.schemaReview ? `
<p class="bad" data-schema-review>Needs a schema review in Airbyte: ${escapeHtml(connection.schemaReview.reason)} · <a href="${escapeHtml(connection.schemaReview.url)}">review the schema</a></p>` : ''}${connection.schemaUpdatesWarning ? `
<p class="warn" data-schema-updates="${escapeHtml(connection.schemaUpdatesBehavior ?? '')}">${escapeHtml(connection.schemaUpdatesWarning)}</p>` : ''}
<p>Last job: ${jobBadge(connection.lastJob)}${connection.lastJob?.endedAt ? ` · ended ${ago(connection.lastJob.endedAt, now)}` : ''}${history}</p>
${freshnessLine(connection.freshness)}
<p class="spark-row">Job durations: ${sparkline(connection.recentJobs)}</p>
<table><thead><tr><th>table</th><th>last change seen</th><th>last successful sync</th><th>staleness</th><th>error</th></tr></thead>
<tbody>${rows || '<tr><td colspan="5" class="muted">no tables recorded yet</td></tr>'}</tbody></table>
</section>`;
}

const STYLE = `
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#1d232b;background:#f6f7f9}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:0 0 6px}
.muted{color:#6b7480;font-weight:normal}
section{background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:14px 18px;margin:14px 0}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:5px 10px;border-bottom:1px solid #eceff2;vertical-align:top}
th{font-size:13px;color:#4a525c;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-weight:700;font-size:13px}
.badge.ok{background:#dff3e4;color:#1b6b35}.badge.failed{background:#c62828;color:#fff}.badge.running{background:#fff3cd;color:#7a5a00}
.bad{color:#b42318;font-weight:600}.warn{color:#9a6700;font-weight:600}.row-bad{background:#fdecea}
.alert{background:#c62828;color:#fff;padding:8px 12px;border-radius:6px;margin:6px 0}
.spark{vertical-align:middle;background:#f3f6fa;border-radius:4px}.dot{fill:#3b6ea8}.dot-failed{fill:#c62828}
code{font-size:14px}a{color:#1f5fa8}`;

export function renderStatusPage(model: StatusModel): string {
  const now = Date.parse(model.generatedAt);
  const alerts = model.activeAlerts.map((alert) => `<div class="alert" data-alert="${escapeHtml(alert.kind)}">${escapeHtml(alert.message.replace(/^:[a-z_]+:\s*/, ''))} <small>(since ${escapeHtml(alert.since)})</small></div>`).join('');
  const slots = model.slots.length
    ? `<section><h2>Replication slot</h2><table><thead><tr><th>slot</th><th>state</th><th>lag</th><th>alert above</th><th>observed</th></tr></thead><tbody>${model.slots.map((slot) => slotRow(slot, now)).join('')}</tbody></table></section>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="refresh" content="30"><title>Airbyte orchestrator status</title><style>${STYLE}</style></head>
<body><h1>Airbyte orchestrator</h1><p class="muted">Generated ${escapeHtml(model.generatedAt)} · refreshes every 30 s · <a href="/metrics">metrics</a> · <a href="/healthz">health</a></p>
${alerts ? `<div class="alerts">${alerts}</div>` : ''}
${slots}
${model.connections.map((connection) => connectionSection(connection, now)).join('\n')}
</body></html>`;
}
