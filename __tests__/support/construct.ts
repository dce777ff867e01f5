import { Testing, TerraformStack } from 'cdktf';
import { InvalidPropsError } from '../../constructs/errors';
import { UserError } from '../../constructs/user-error';

/** Loosely typed JSON of one synthesized construct test stack. */
export type Json = Record<string, any>;

/**
 * One construct alone in a bare test stack (no providers, no environment), synthesized:
 * construct tests stay fast and fail only because of the construct under test.
 */
export function synthConstruct(define: (stack: TerraformStack) => void, stackId = 'test'): Json {
  const stack = new TerraformStack(Testing.app(), stackId);
  define(stack);
  return JSON.parse(Testing.synth(stack));
}

/** Like synthConstruct, and also returns what `make` built, for assertions on its typed properties. */
export function buildConstruct<T>(make: (stack: TerraformStack) => T, stackId = 'test'): { json: Json; construct: T } {
  let construct: T | undefined;
  const json = synthConstruct((stack) => {
    construct = make(stack);
  }, stackId);
  return { json, construct: construct as T };
}

/** The single resource of `type`; fails when there is not exactly one. */
export function single(json: Json, type: string, kind: 'resource' | 'data' = 'resource'): Json {
  const all = Object.values(json[kind]?.[type] ?? {}) as Json[];
  if (all.length !== 1) throw new Error(`expected exactly one ${kind} ${type}, found ${all.length}`);
  return all[0];
}

/** All resources of `type`, in synthesized order. */
export function all(json: Json, type: string, kind: 'resource' | 'data' = 'resource'): Json[] {
  return Object.values(json[kind]?.[type] ?? {}) as Json[];
}

/** The one resource of `type` whose logical id starts with `idPrefix` (ids carry the construct path). */
export function byId(json: Json, type: string, idPrefix: string, kind: 'resource' | 'data' = 'resource'): Json {
  const found = Object.entries(json[kind]?.[type] ?? {}).filter(([id]) => id.startsWith(idPrefix));
  if (found.length !== 1) throw new Error(`expected exactly one ${kind} ${type} with id ${idPrefix}*, found ${found.length}`);
  return found[0][1] as Json;
}

/**
 * `build` is refused with an InvalidPropsError (a UserError, so the app prints one line) whose
 * whole message is `message`: the construct path, the prop and what was expected.
 */
export function expectPropsError(build: () => unknown, message: string | RegExp): void {
  let thrown: unknown;
  try {
    build();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(InvalidPropsError);
  expect(thrown).toBeInstanceOf(UserError);
  const text = (thrown as Error).message;
  if (typeof message === 'string') expect(text).toBe(message);
  else expect(text).toMatch(message);
}
