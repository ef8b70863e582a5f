/**
 * Compiles the source emitted by `CodecEmitter` into functions with `new Function`. Returns undefined
 * when the environment forbids code generation from strings (`EvalError`: a Content Security Policy
 * without 'unsafe-eval', or `node --disallow-code-generation-from-strings`), so callers can fall back to
 * the closure-based codecs. The compiled code sees only the helper object and a constants array. Pure.
 */
import { CodecEmitter } from './codec-emit.js';
import type { ValueReader, ValueWriter } from './codec-interpret.js';
import type { Layout } from './codec-layout.js';
import { codecHelpers } from './codec-runtime.js';

/** Compiled decode/encode functions for one root layout. */
export interface CompiledCodec {
  read: ValueReader;
  write: ValueWriter;
  /** The JavaScript source that was compiled (for debugging and tests). */
  source: string;
}

type Factory = (
  helpers: typeof codecHelpers,
  constants: readonly unknown[],
) => { read: ValueReader; write: ValueWriter };

/** Emits and compiles codec functions for `layout`; undefined when code generation is not allowed. */
export function compileCodec(
  layout: Layout,
  label: string,
  littleEndian: boolean,
  enums: 'value' | 'name',
): CompiledCodec | undefined {
  const emitter = new CodecEmitter({ littleEndian, enums });
  const root = emitter.root(layout, label);
  const helpers = [...emitter.helpers].sort();
  const source = [
    "'use strict';",
    helpers.length > 0 ? `const { ${helpers.join(', ')} } = H;` : '',
    ...emitter.functions,
    `return { read: ${root.decode}, write: ${root.encode} };`,
  ].join('\n');
  let factory: Factory;
  try {
    factory = new Function('H', 'K', source) as Factory;
  } catch (e) {
    if (e instanceof EvalError) return undefined;
    throw e;
  }
  const fns = factory(codecHelpers, emitter.constants);
  return { read: fns.read, write: fns.write, source };
}
