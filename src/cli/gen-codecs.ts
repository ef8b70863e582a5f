/**
 * The codec part of a generated module: specialised decode/encode functions (emitted by the same
 * `CodecEmitter` as the runtime codecs, in its TypeScript dialect) and one exported codec constant per
 * root type, all for the object's byte order.
 */
import { CodecEmitter } from '../btf/codec-emit.js';
import { describe, layoutSize } from '../btf/codec-layout.js';
import { tsTypeOf } from '../btf/codec-source.js';
import type { GenModel, GenRoot } from './gen-model.js';
import { commentText } from './gen-types.js';

/** Emitted codec code and the helpers it calls. */
export interface EmittedCodecs {
  /** Function declarations. */
  functions: string[];
  /** `export const xCodec = bindCodec(...)` lines. */
  exports: string[];
  helpers: Set<string>;
}

function label(root: GenRoot): string {
  return root.layout.kind === 'record' && root.layout.type.name !== ''
    ? describe(root.layout.type)
    : root.cType;
}

/** Emits the functions and exported constants of every codec of the model. */
export function emitCodecs(model: GenModel): EmittedCodecs {
  const emitter = new CodecEmitter({ littleEndian: model.littleEndian, ts: model.naming });
  const exports: string[] = [];
  for (const root of model.codecs) {
    const fns = emitter.root(root.layout, label(root));
    const ty = tsTypeOf(root.layout, model.naming);
    const text = commentText(label(root));
    exports.push(
      `/** Codec of \`${text}\` (${layoutSize(root.layout)} bytes, ${model.littleEndian ? 'little' : 'big'}-endian). */\n` +
        `export const ${root.codec}: TypedCodec<${ty}> = bindCodec(${layoutSize(root.layout)}, ${JSON.stringify(label(root))}, ${fns.decode}, ${fns.encode});`,
    );
  }
  const helpers = new Set<string>(emitter.helpers);
  if (exports.length > 0) {
    helpers.add('bindCodec');
    helpers.add('fail');
  }
  return { functions: [...emitter.functions], exports, helpers };
}
