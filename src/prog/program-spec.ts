/**
 * `ProgramSpec`: everything needed to load one program, as pure data. Building or copying a spec touches
 * no kernel; only `Program.load` does. Instructions are either the asm layer's `Instruction` list (labels
 * resolved at load) or raw bytecode in the host byte order.
 */
import { copyInstructions, type Instruction } from '../asm/index.js';
import type { AttachType, ProgramType } from '../syscall/uapi-enums.js';

/** A program's code: `Instruction`s from `ebpf-ts/asm`, or raw bytecode (8 bytes per slot, host order). */
export type ProgramCode = Instruction[] | Uint8Array;

/** Fields accepted by the `ProgramSpec` constructor. Only `name`, `type` and `instructions` are required. */
export interface ProgramSpecInit {
  name: string;
  type: ProgramType;
  instructions: ProgramCode;
  attachType?: AttachType | undefined;
  attachTo?: string | undefined;
  sectionName?: string | undefined;
  license?: string | undefined;
  kernelVersion?: number | undefined;
  flags?: number | undefined;
  ifindex?: number | undefined;
  btfFd?: number | undefined;
  funcInfo?: Uint8Array | undefined;
  funcInfoRecSize?: number | undefined;
  lineInfo?: Uint8Array | undefined;
  lineInfoRecSize?: number | undefined;
  attachBtfId?: number | undefined;
  attachBtfObjFd?: number | undefined;
  attachProgFd?: number | undefined;
  fdArray?: number[] | undefined;
}

/** A program to load. Mutable, so loaders can patch it; `copy()` gives an independent deep copy. */
export class ProgramSpec {
  /** The program's name (kernel copy sanitised to 15 chars of `[A-Za-z0-9_.]`). */
  name: string;
  /** `BPF_PROG_TYPE_*`. */
  type: ProgramType;
  /** `expected_attach_type`, needed by some types (cgroup sock_addr, tracing, sk_lookup, netfilter...). */
  attachType: AttachType | undefined;
  /** What the program attaches to, as a string (`"do_unlinkat"`, `"sched/sched_switch"`); informational. */
  attachTo: string | undefined;
  /** The ELF section the program came from, when it came from an ELF. */
  sectionName: string | undefined;
  /** License string; `"GPL"` (the default) unlocks GPL-only helpers. */
  license: string;
  /** `kern_version` (only kernels before 5.0 check it, for KPROBE); defaults to the running kernel's. */
  kernelVersion: number | undefined;
  /** `prog_flags` (`ProgramFlags`: SLEEPABLE, XDP_HAS_FRAGS...). */
  flags: number;
  /** Device to offload to / bind to (`prog_ifindex`); 0 or undefined for none. */
  ifindex: number | undefined;
  /** The code. */
  instructions: ProgramCode;
  /** Fd of the program's BTF (needed with func/line info). */
  btfFd: number | undefined;
  /** Raw `bpf_func_info` records. */
  funcInfo: Uint8Array | undefined;
  /** Size of one func info record (8 on current kernels). */
  funcInfoRecSize: number | undefined;
  /** Raw `bpf_line_info` records. */
  lineInfo: Uint8Array | undefined;
  /** Size of one line info record (16 on current kernels). */
  lineInfoRecSize: number | undefined;
  /** BTF id of the attach target (tracing, LSM, struct_ops, freplace). */
  attachBtfId: number | undefined;
  /** Fd of the module BTF that holds `attachBtfId` (absent for vmlinux). */
  attachBtfObjFd: number | undefined;
  /** Fd of the target program (freplace, fentry on a BPF program). */
  attachProgFd: number | undefined;
  /** Map / BTF fds referenced by index from the instructions (`PSEUDO_MAP_IDX`, kfunc module BTFs). */
  fdArray: number[] | undefined;

  constructor(init: ProgramSpecInit) {
    this.name = init.name;
    this.type = init.type;
    this.instructions = init.instructions;
    this.attachType = init.attachType;
    this.attachTo = init.attachTo;
    this.sectionName = init.sectionName;
    this.license = init.license ?? 'GPL';
    this.kernelVersion = init.kernelVersion;
    this.flags = init.flags ?? 0;
    this.ifindex = init.ifindex;
    this.btfFd = init.btfFd;
    this.funcInfo = init.funcInfo;
    this.funcInfoRecSize = init.funcInfoRecSize;
    this.lineInfo = init.lineInfo;
    this.lineInfoRecSize = init.lineInfoRecSize;
    this.attachBtfId = init.attachBtfId;
    this.attachBtfObjFd = init.attachBtfObjFd;
    this.attachProgFd = init.attachProgFd;
    this.fdArray = init.fdArray;
  }

  /** A deep copy: instructions, info records and the fd array are copied too. */
  copy(): ProgramSpec {
    return new ProgramSpec({
      ...this,
      instructions:
        this.instructions instanceof Uint8Array
          ? this.instructions.slice()
          : copyInstructions(this.instructions),
      funcInfo: this.funcInfo?.slice(),
      lineInfo: this.lineInfo?.slice(),
      fdArray: this.fdArray?.slice(),
    });
  }
}
