// Freshness of a connection over time, from its change episodes: each episode is a table's change
// from its first sighting to the end of the sync that carried it (open episodes: not synced yet).
// Pure functions behind the status page, `status --json`, the gauges and the objective's alert.

export interface StalenessEpisode {
  readonly table: string;
  /** First sighting of the unsynced change (ms since epoch). */
  readonly from: number;
  /** End of the sync that carried it; undefined while it is still unsynced. */
  readonly to?: number;
}

export interface FreshnessPoint {
  /** ms since epoch. */
  readonly at: number;
  /** Worst staleness of the connection's tables at that moment, seconds. */
  readonly seconds: number;
}

/** Worst staleness over the connection's tables at one instant, seconds. */
export function worstStalenessAt(episodes: readonly StalenessEpisode[], at: number): number {
  let worst = 0;
  for (const episode of episodes) {
    const end = episode.to ?? Infinity;
    if (episode.from <= at && at < end) worst = Math.max(worst, (at - episode.from) / 1000);
  }
  return worst;
}

/**
 * Share of [windowStart, now] during which every table was within the target: the time some table
 * was staler than the target is the union of [from + target, to) over episodes, clipped.
 */
export function shareWithinTarget(episodes: readonly StalenessEpisode[], targetMs: number, windowStart: number, now: number): number | null {
  const window = now - windowStart;
  if (window <= 0) return null;
  const late = episodes
    .map((episode) => [Math.max(windowStart, episode.from + targetMs), Math.min(now, episode.to ?? now)] as const)
    .filter(([start, end]) => end > start)
    .sort((a, b) => a[0] - b[0]);
  let lateMs = 0;
  let coveredUntil = -Infinity;
  for (const [start, end] of late) {
    const from = Math.max(start, coveredUntil);
    if (end > from) lateMs += end - from;
    coveredUntil = Math.max(coveredUntil, end);
  }
  return Math.max(0, Math.min(1, 1 - lateMs / window));
}

/**
 * The worst-staleness curve over [windowStart, now], for a small chart: evenly spaced samples plus
 * the instant before each episode ends (its peak), so no peak between samples is lost.
 */
export function stalenessSeries(episodes: readonly StalenessEpisode[], windowStart: number, now: number, samples = 96): FreshnessPoint[] {
  if (now <= windowStart) return [];
  const times = new Set<number>();
  for (let i = 0; i <= samples; i += 1) times.add(Math.round(windowStart + ((now - windowStart) * i) / samples));
  for (const episode of episodes) {
    if (episode.to !== undefined && episode.to > windowStart && episode.to <= now) {
      times.add(episode.to - 1);
      times.add(episode.to);
    }
    if (episode.from > windowStart && episode.from < now) times.add(episode.from);
  }
  return [...times].sort((a, b) => a - b).map((at) => ({ at, seconds: Math.round(worstStalenessAt(episodes, at) * 10) / 10 }));
}
