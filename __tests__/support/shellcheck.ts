import { spawnSync } from 'child_process';

/**
 * Runs shellcheck at style severity on a file and expects no finding. shellcheck must be
 * installed (scripts/install-system-deps.sh); its absence fails the test with how to install it.
 */
export function expectShellcheckClean(file: string, options: readonly string[] = []): void {
  const result = spawnSync('shellcheck', ['--severity=style', ...options, file], { encoding: 'utf8' });
  if (result.error) throw new Error(`shellcheck could not run (${result.error.message}); install it: apt-get install -y shellcheck`);
  expect(result.stdout + result.stderr).toBe('');
  expect(result.status).toBe(0);
}
