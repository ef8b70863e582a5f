/**
 * Loading a `CollectionSpec` into the kernel: `newCollection(spec, opts)` loads every map and every
 * program whose section does not start with `?`; `spec.loadAndAssign(request, opts)` only the named ones
 * and what they need. The `*Async` variants run each verification on the libuv thread pool so the event
 * loop keeps running; everything else (map creation, BTF) is short and synchronous.
 */
import type { Program } from '../prog/index.js';
import type { Collection } from './collection.js';
import type { CollectionSpec } from './collection-spec.js';
import type { CollectionOptions } from './load-options.js';
import type { LoadRequest } from './load-plan.js';
import { collectionLoadSteps } from './load-steps.js';

export type { CollectionOptions } from './load-options.js';
export type { LoadRequest } from './load-plan.js';

/** Loads `spec`: everything when `request` is undefined, else only the requested maps and programs. */
export function loadCollection(
  spec: CollectionSpec,
  request: LoadRequest | undefined,
  options: CollectionOptions = {},
): Collection {
  const steps = collectionLoadSteps(spec, request, options);
  let step = steps.next();
  while (!step.done) {
    let program: Program;
    try {
      program = step.value.load();
    } catch (e) {
      step = steps.throw(e);
      continue;
    }
    step = steps.next(program);
  }
  return step.value;
}

/** `loadCollection` with program verification off the event loop. */
export async function loadCollectionAsync(
  spec: CollectionSpec,
  request: LoadRequest | undefined,
  options: CollectionOptions = {},
): Promise<Collection> {
  const steps = collectionLoadSteps(spec, request, options);
  let step = steps.next();
  while (!step.done) {
    let program: Program;
    try {
      program = await step.value.loadAsync();
    } catch (e) {
      step = steps.throw(e);
      continue;
    }
    step = steps.next(program);
  }
  return step.value;
}

/** Loads every map and every autoloaded program of `spec` (see `CollectionOptions`). */
export function newCollection(spec: CollectionSpec, options: CollectionOptions = {}): Collection {
  return loadCollection(spec, undefined, options);
}

/** `newCollection` with program verification on the libuv thread pool. */
export function newCollectionAsync(
  spec: CollectionSpec,
  options: CollectionOptions = {},
): Promise<Collection> {
  return loadCollectionAsync(spec, undefined, options);
}
