// The daemon's HTTP endpoint: /healthz, /metrics and the status page (/, /status.json). It uses
// its own state-database session, so it never interleaves with a cycle's transactions.
import * as http from 'http';
import type { AddressInfo } from 'net';
import { Logger } from './logger';
import { OrchestratorMetrics } from './metrics';
import { StatusModel } from './status-model';
import { renderStatusPage } from './status-page';

export interface HealthInput {
  readonly now: number;
  /** When the last cycle finished, or the running cycle last made progress (job polls). */
  readonly lastActivityAt: number | undefined;
  readonly startedAt: number;
  readonly pollIntervalMs: number;
  readonly stateDatabase: { readonly ok: true } | { readonly ok: false; readonly error: string };
}

/** Pure: healthy when a cycle finished (or progressed) within 3 poll intervals and the state DB answers. */
export function assessHealth(input: HealthInput): { ok: boolean; reason: string } {
  if (!input.stateDatabase.ok) return { ok: false, reason: `state database does not answer: ${input.stateDatabase.error}` };
  const limit = 3 * input.pollIntervalMs;
  const reference = input.lastActivityAt ?? input.startedAt;
  const age = input.now - reference;
  if (age > limit) {
    const what = input.lastActivityAt === undefined ? 'no cycle has finished since the start' : 'the last cycle finished';
    return { ok: false, reason: `${what} ${(age / 1000).toFixed(1)} s ago (limit: 3 poll intervals = ${(limit / 1000).toFixed(1)} s)` };
  }
  return { ok: true, reason: input.lastActivityAt === undefined ? 'starting; first cycle running' : `last cycle ${(age / 1000).toFixed(1)} s ago` };
}

export interface HttpServerDependencies {
  readonly host: string;
  readonly port: number;
  readonly logger: Logger;
  readonly metrics: OrchestratorMetrics;
  readonly loadModel: () => Promise<StatusModel>;
  readonly health: () => Promise<{ ok: boolean; reason: string }>;
}

export async function startHttpServer(deps: HttpServerDependencies): Promise<{ address: AddressInfo; close: () => Promise<void> }> {
  const send = (res: http.ServerResponse, status: number, contentType: string, body: string): void => {
    res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'" });
    res.end(body);
  };
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
    const handle = async (): Promise<void> => {
      if (path === '/healthz') {
        const health = await deps.health();
        return send(res, health.ok ? 200 : 503, 'text/plain; charset=utf-8', `${health.ok ? 'ok' : 'unhealthy'}: ${health.reason}\n`);
      }
      if (path === '/metrics') {
        deps.metrics.applyModel(await deps.loadModel());
        const { contentType, body } = await deps.metrics.render();
        return send(res, 200, contentType, body);
      }
      if (path === '/status.json') return send(res, 200, 'application/json', `${JSON.stringify(await deps.loadModel())}\n`);
      if (path === '/') return send(res, 200, 'text/html; charset=utf-8', renderStatusPage(await deps.loadModel()));
      return send(res, 404, 'text/plain; charset=utf-8', 'not found (try /, /healthz, /metrics, /status.json)\n');
    };
    handle().catch((error: unknown) => {
      deps.logger.error('http request failed', { path, error: (error as Error).message });
      if (!res.headersSent) send(res, 503, 'text/plain; charset=utf-8', 'unavailable: the state database could not be read\n');
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(deps.port, deps.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  deps.logger.info('http endpoint listening', { address: address.address, port: address.port, paths: ['/', '/healthz', '/metrics', '/status.json'] });
  return {
    address,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
