/**
 * `ElfObject`: the parts of a BPF ELF object file the collection loader reads, on top of the generic ELF
 * reader: symbols grouped by section, relocations grouped by the section they patch, the kind of each
 * section (program code, maps, global data), the license and version, and the object's BTF. Pure; every
 * inconsistency is a `ParseError` naming the section and offset.
 */
import { type ExtInfo, loadSpec, parseExtInfo, type Spec } from '../btf/index.js';
import {
  type ElfFile,
  type ElfRelocation,
  type ElfSection,
  type ElfSymbol,
  EM,
  ET,
  parseElf,
  type RelocationSection,
  SHF,
  SHN,
  SHT,
  STT,
  sectionLabel,
} from '../elf/index.js';
import { ParseError } from '../errors.js';
import type { ByteOrder } from '../internal/bytes.js';

/** The entries of one relocation section with the symbol table they index. */
export interface RelocationTable {
  readonly section: ElfSection;
  readonly symbols: readonly ElfSymbol[];
  readonly entries: readonly ElfRelocation[];
}

/** What an ELF section holds, for the collection loader. */
export type SectionKind = 'program' | 'text' | 'btf-maps' | 'legacy-maps' | 'data' | 'other';

/** Data sections libbpf turns into maps: `.data`, `.rodata`, `.bss` and their `.<name>` variants. */
const DATA_SECTION = /^\.(data|rodata|bss)(\..+)?$/;

/** True for sections whose contents become a read-only (frozen, `BPF_F_RDONLY_PROG`) global data map. */
export function isReadOnlyDataSection(name: string): boolean {
  return name === '.rodata' || name.startsWith('.rodata.');
}

/** A parsed BPF object file. */
export class ElfObject {
  readonly elf: ElfFile;
  readonly byteOrder: ByteOrder;
  /** Every symbol of `.symtab`. */
  readonly symbols: readonly ElfSymbol[];
  /** The `license` section's string, or undefined when there is none. */
  readonly license: string | undefined;
  /** The `version` section's u32, or undefined when there is none. */
  readonly kernelVersion: number | undefined;
  /** The object's `.BTF`, if present. */
  readonly btf: Spec | undefined;
  /** The object's `.BTF.ext`, if present (needs `.BTF`). */
  readonly ext: ExtInfo | undefined;
  readonly #bySection = new Map<number, ElfSymbol[]>();
  /** Relocation sections by the index of the section they patch (entries are parsed on first use). */
  readonly #relocationSections = new Map<number, RelocationSection[]>();

  constructor(bytes: Uint8Array) {
    const elf = parseElf(bytes);
    this.elf = elf;
    this.byteOrder = elf.byteOrder;
    if (elf.header.machine !== EM.BPF && elf.header.machine !== EM.NONE) {
      throw new ParseError('ELF header', 18, `machine ${elf.header.machine} is not BPF (${EM.BPF})`);
    }
    if (elf.header.type !== ET.REL) {
      throw new ParseError(
        'ELF header',
        16,
        `type ${elf.header.type} is not a relocatable object (${ET.REL})`,
      );
    }
    this.symbols = elf.symbols();
    for (const sym of this.symbols) {
      if (sym.sectionIndex === undefined || sym.index === 0) continue;
      let list = this.#bySection.get(sym.sectionIndex);
      if (list === undefined) {
        list = [];
        this.#bySection.set(sym.sectionIndex, list);
      }
      list.push(sym);
    }
    for (const list of this.#bySection.values())
      list.sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
    for (const rel of elf.relocationSections()) {
      if (rel.target === undefined) continue;
      const list = this.#relocationSections.get(rel.target.index);
      if (list === undefined) this.#relocationSections.set(rel.target.index, [rel]);
      else list.push(rel);
    }
    this.license = this.readLicense();
    this.kernelVersion = this.readVersion();
    const btfSection = elf.sectionByName('.BTF');
    if (btfSection !== undefined) {
      this.btf = loadSpec(this.data(btfSection), { section: '.BTF' });
      const extSection = elf.sectionByName('.BTF.ext');
      if (extSection !== undefined) {
        this.ext = parseExtInfo(this.data(extSection), this.btf.strings, { typeIDLimit: this.btf.nextID });
      }
    }
  }

  /** Every section, index 0 included. */
  get sections(): readonly ElfSection[] {
    return this.elf.sections;
  }

  /** The data of `section` (zeros are not materialised for `SHT_NOBITS`: an empty array). */
  data(section: ElfSection): Uint8Array {
    return this.elf.sectionData(section);
  }

  /** A `ParseError` about `section` at byte `offset` inside it (reported as a file offset). */
  error(section: ElfSection, offset: number, detail: string): ParseError {
    return new ParseError(sectionLabel(section), section.offset + offset, detail);
  }

  /** What `section` holds. */
  kindOf(section: ElfSection): SectionKind {
    if (section.index === 0) return 'other';
    const isBits = section.type === SHT.PROGBITS || section.type === SHT.NOBITS;
    if (section.type === SHT.PROGBITS && (section.flags & SHF.EXECINSTR) !== 0n) {
      if (section.size === 0) return 'other';
      return section.name === '.text' ? 'text' : 'program';
    }
    if (!isBits) return 'other';
    if (section.name === '.maps') return 'btf-maps';
    if (section.name === 'maps') return 'legacy-maps';
    if (DATA_SECTION.test(section.name) && section.size > 0) return 'data';
    return 'other';
  }

  /** The symbols defined in section `index`, sorted by value. */
  symbolsIn(index: number): readonly ElfSymbol[] {
    return this.#bySection.get(index) ?? [];
  }

  /** The named symbol of type `STT_FUNC`/`STT_OBJECT`/`STT_NOTYPE` at `offset` in section `index`. */
  namedSymbolAt(index: number, offset: bigint, types: readonly number[]): ElfSymbol | undefined {
    return this.symbolsIn(index).find((s) => s.value === offset && s.name !== '' && types.includes(s.type));
  }

  /** The relocations that patch section `index`, with the symbol table each indexes. */
  relocationsFor(index: number): RelocationTable[] {
    return (this.#relocationSections.get(index) ?? []).map((rel) => {
      const table = rel.symbolTable;
      if (table === undefined)
        throw this.error(rel.section, 0, 'relocation section has no symbol table (sh_link 0)');
      return {
        section: rel.section,
        symbols: this.elf.symbolsOf(table),
        entries: this.elf.relocations(rel.section),
      };
    });
  }

  /** The symbol a relocation refers to; a `ParseError` when the index is out of range. */
  relocationSymbol(
    rel: Pick<RelocationTable, 'section' | 'symbols'>,
    entry: ElfRelocation,
    at: number,
  ): ElfSymbol {
    const sym = rel.symbols[entry.symbolIndex];
    if (sym === undefined || entry.symbolIndex === 0) {
      throw this.error(
        rel.section,
        at,
        `relocation symbol index ${entry.symbolIndex} out of range (${rel.symbols.length} symbols)`,
      );
    }
    return sym;
  }

  /** True when `sym` is undefined here (an extern). */
  static isUndefined(sym: ElfSymbol): boolean {
    return sym.shndx === SHN.UNDEF;
  }

  /** True for `STT_SECTION` symbols, whose relocations carry the target offset in the instruction. */
  static isSectionSymbol(sym: ElfSymbol): boolean {
    return sym.type === STT.SECTION;
  }

  private readLicense(): string | undefined {
    const section = this.elf.sectionByName('license');
    if (section === undefined) return undefined;
    const bytes = this.data(section);
    const end = bytes.indexOf(0);
    return new TextDecoder('latin1').decode(end < 0 ? bytes : bytes.subarray(0, end));
  }

  private readVersion(): number | undefined {
    const section = this.elf.sectionByName('version');
    if (section === undefined) return undefined;
    if (section.size !== 4) throw this.error(section, 0, `size ${section.size}, expected 4`);
    return this.elf.sectionReader(section).u32At(0);
  }
}
