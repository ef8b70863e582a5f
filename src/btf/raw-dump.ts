/**
 * A text dump of BTF types in exactly the format of `bpftool btf dump file F format raw`.
 */
import { kindName } from './kind.js';
import type { Spec } from './spec.js';
import type { Type } from './types.js';

/** Something that maps types to IDs (a `Spec`). */
export interface TypeIDSource {
  typeID(type: Type): number;
}

const INT_ENCODINGS: Record<number, string> = { 0: '(none)', 1: 'SIGNED', 2: 'CHAR', 4: 'BOOL' };
const LINKAGES = ['static', 'global', 'extern'];

function str(name: string): string {
  return name === '' ? '(anon)' : name;
}

function linkage(l: number): string {
  return LINKAGES[l] ?? '(unknown)';
}

function ref(ids: TypeIDSource, holder: { type: Type; pendingTypeID: number | undefined }): number {
  return holder.pendingTypeID ?? ids.typeID(holder.type);
}

/** The wire kind name of a model type, as bpftool prints it. */
function wireKindName(t: Type): string {
  switch (t.kind) {
    case 'void':
      return 'UNKNOWN';
    case 'int':
      return 'INT';
    case 'pointer':
      return 'PTR';
    case 'array':
      return 'ARRAY';
    case 'struct':
      return 'STRUCT';
    case 'union':
      return 'UNION';
    case 'enum':
      return t.enum64 ? 'ENUM64' : 'ENUM';
    case 'fwd':
      return 'FWD';
    case 'typedef':
      return 'TYPEDEF';
    case 'volatile':
      return 'VOLATILE';
    case 'const':
      return 'CONST';
    case 'restrict':
      return 'RESTRICT';
    case 'func':
      return 'FUNC';
    case 'funcProto':
      return 'FUNC_PROTO';
    case 'var':
      return 'VAR';
    case 'datasec':
      return 'DATASEC';
    case 'float':
      return 'FLOAT';
    case 'declTag':
      return 'DECL_TAG';
    case 'typeTag':
      return 'TYPE_TAG';
    case 'unknown':
      return kindName(t.btfKind);
  }
}

/** One type in bpftool's raw format (possibly several lines, joined with `\n`, no trailing newline). */
export function formatRawType(ids: TypeIDSource, id: number, t: Type): string {
  let s = `[${id}] ${wireKindName(t)} '${str(t.name)}'`;
  switch (t.kind) {
    case 'int':
      s += ` size=${t.size} bits_offset=${t.bitOffset} nr_bits=${t.bits} encoding=${INT_ENCODINGS[t.encoding] ?? 'UNKN'}`;
      break;
    case 'pointer':
    case 'typedef':
    case 'volatile':
    case 'const':
    case 'restrict':
    case 'typeTag':
      s += ` type_id=${ref(ids, t)}`;
      break;
    case 'array':
      s += ` type_id=${ref(ids, t)} index_type_id=${t.pendingIndexID ?? ids.typeID(t.index)} nr_elems=${t.nelems}`;
      break;
    case 'struct':
    case 'union':
      s += ` size=${t.size} vlen=${t.members.length}`;
      for (const m of t.members) {
        s += `\n\t'${str(m.name)}' type_id=${ref(ids, m)} bits_offset=${m.bitOffset}`;
        if (m.bitfieldSize !== 0) s += ` bitfield_size=${m.bitfieldSize}`;
      }
      break;
    case 'enum':
      s += ` encoding=${t.signed ? 'SIGNED' : 'UNSIGNED'} size=${t.size} vlen=${t.values.length}`;
      for (const v of t.values) {
        const suffix = t.enum64 ? (t.signed ? 'LL' : 'ULL') : '';
        s += `\n\t'${str(v.name)}' val=${v.value}${suffix}`;
      }
      break;
    case 'fwd':
      s += ` fwd_kind=${t.fwdKind}`;
      break;
    case 'func':
      s += ` type_id=${ref(ids, t)} linkage=${linkage(t.linkage)}`;
      break;
    case 'funcProto':
      s += ` ret_type_id=${ref(ids, t)} vlen=${t.params.length}`;
      for (const p of t.params) s += `\n\t'${str(p.name)}' type_id=${ref(ids, p)}`;
      break;
    case 'var':
      s += ` type_id=${ref(ids, t)}, linkage=${linkage(t.linkage)}`;
      break;
    case 'datasec':
      s += ` size=${t.size} vlen=${t.vars.length}`;
      for (const v of t.vars) {
        const vt = v.type;
        s += `\n\ttype_id=${ref(ids, v)} offset=${v.offset} size=${v.size} (${wireKindName(vt)} '${str(vt.name)}')`;
      }
      break;
    case 'float':
      s += ` size=${t.size}`;
      break;
    case 'declTag':
      s += ` type_id=${ref(ids, t)} component_idx=${t.componentIdx}`;
      break;
    case 'unknown':
      s += ` info=0x${t.info.toString(16)} size_or_type=${t.sizeOrType}`;
      break;
    default:
      break;
  }
  return s;
}

/** The whole spec's own types in bpftool's raw format, one type per line group, ending with `\n`. */
export function dumpRaw(spec: Spec): string {
  const parts: string[] = [];
  for (const [id, t] of spec.ownTypes()) parts.push(formatRawType(spec, id, t));
  return parts.length === 0 ? '' : `${parts.join('\n')}\n`;
}
