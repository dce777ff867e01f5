// Entry point of the bundled orchestrator (dist/orchestrator.js): wires process signals, whether
// stderr is a terminal, and the exit code around `main`.
import { main } from './app';
import { createLogger, resolveLogFormat } from './ops/logger';

const controller = new AbortController();
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    // A second signal means "now": the job in flight is already persisted and will be adopted.
    if (controller.signal.aborted) process.exit(1);
    controller.abort();
  });
}

const stderrIsTerminal = process.stderr.isTTY === true;

main(process.argv.slice(2), { signal: controller.signal, stderrIsTerminal }).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // A bug, not a user error: still one line (the message), never a stack on a terminal.
    let format: 'json' | 'text' = stderrIsTerminal ? 'text' : 'json';
    try {
      format = resolveLogFormat(process.env.LOG_FORMAT, stderrIsTerminal);
    } catch {
      // main reported a bad LOG_FORMAT already; keep the default.
    }
    createLogger({ format }).error('unexpected failure', { error: (error as Error)?.message });
    process.exitCode = 1;
  },
);
