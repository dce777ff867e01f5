// Entry point of the bundled orchestrator (dist/orchestrator.js): wires process signals and the
// exit code around `main`.
import { main } from './app';

const controller = new AbortController();
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    // A second signal means "now": the job in flight is already persisted and will be adopted.
    if (controller.signal.aborted) process.exit(1);
    controller.abort();
  });
}

main(process.argv.slice(2), { signal: controller.signal }).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: 'error', msg: 'unexpected failure', error: (error as Error)?.message })}\n`);
    process.exitCode = 1;
  },
);
