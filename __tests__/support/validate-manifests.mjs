// Reads a JSON array of Kubernetes objects on stdin and prints a JSON array of problems:
// each object is checked with the kubernetes-models class for its apiVersion and kind.
import { readFileSync } from 'fs';

const objects = JSON.parse(readFileSync(0, 'utf8'));
const problems = [];
for (const object of objects) {
  const { apiVersion, kind } = object ?? {};
  const label = `${kind ?? '?'} ${object?.metadata?.name ?? '?'}`;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
    problems.push(`${label}: no apiVersion/kind`);
    continue;
  }
  let module;
  try {
    module = await import(`kubernetes-models/${apiVersion}`);
  } catch {
    problems.push(`${label}: kubernetes-models has no schemas for ${apiVersion}`);
    continue;
  }
  const Model = module[kind];
  if (typeof Model !== 'function') {
    problems.push(`${label}: kubernetes-models has no ${apiVersion} ${kind}`);
    continue;
  }
  try {
    new Model(object).validate();
  } catch (error) {
    problems.push(`${label}: ${String(error.message).slice(0, 500)}`);
  }
}
process.stdout.write(JSON.stringify(problems));
