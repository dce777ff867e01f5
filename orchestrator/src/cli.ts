// Placeholder until the orchestrator core lands (issue 3).
process.stderr.write('orchestrator: not implemented yet\n');
process.exit(2);
