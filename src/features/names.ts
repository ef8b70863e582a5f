/**
 * Feature names and the first kernel versions of map and program types, for `NotSupportedError` messages
 * (`ringbuf maps not supported (requires kernel >= 5.8)`). Versions are those of the mainline release
 * that added each type.
 */
import { MapType, ProgramType } from '../syscall/uapi-enums.js';

const MAP_MIN_KERNEL: Record<number, string> = {
  [MapType.HASH]: '3.19',
  [MapType.ARRAY]: '3.19',
  [MapType.PROG_ARRAY]: '4.2',
  [MapType.PERF_EVENT_ARRAY]: '4.3',
  [MapType.PERCPU_HASH]: '4.6',
  [MapType.PERCPU_ARRAY]: '4.6',
  [MapType.STACK_TRACE]: '4.6',
  [MapType.CGROUP_ARRAY]: '4.8',
  [MapType.LRU_HASH]: '4.10',
  [MapType.LRU_PERCPU_HASH]: '4.10',
  [MapType.LPM_TRIE]: '4.11',
  [MapType.ARRAY_OF_MAPS]: '4.12',
  [MapType.HASH_OF_MAPS]: '4.12',
  [MapType.DEVMAP]: '4.14',
  [MapType.SOCKMAP]: '4.14',
  [MapType.CPUMAP]: '4.15',
  [MapType.XSKMAP]: '4.18',
  [MapType.SOCKHASH]: '4.18',
  [MapType.CGROUP_STORAGE]: '4.19',
  [MapType.REUSEPORT_SOCKARRAY]: '4.19',
  [MapType.PERCPU_CGROUP_STORAGE]: '4.20',
  [MapType.QUEUE]: '4.20',
  [MapType.STACK]: '4.20',
  [MapType.SK_STORAGE]: '5.2',
  [MapType.DEVMAP_HASH]: '5.4',
  [MapType.STRUCT_OPS]: '5.6',
  [MapType.RINGBUF]: '5.8',
  [MapType.INODE_STORAGE]: '5.10',
  [MapType.TASK_STORAGE]: '5.11',
  [MapType.BLOOM_FILTER]: '5.16',
  [MapType.USER_RINGBUF]: '6.1',
  [MapType.CGRP_STORAGE]: '6.2',
  [MapType.ARENA]: '6.9',
};

const PROGRAM_MIN_KERNEL: Record<number, string> = {
  [ProgramType.SOCKET_FILTER]: '3.19',
  [ProgramType.KPROBE]: '4.1',
  [ProgramType.SCHED_CLS]: '4.1',
  [ProgramType.SCHED_ACT]: '4.1',
  [ProgramType.TRACEPOINT]: '4.7',
  [ProgramType.XDP]: '4.8',
  [ProgramType.PERF_EVENT]: '4.9',
  [ProgramType.CGROUP_SKB]: '4.10',
  [ProgramType.CGROUP_SOCK]: '4.10',
  [ProgramType.LWT_IN]: '4.10',
  [ProgramType.LWT_OUT]: '4.10',
  [ProgramType.LWT_XMIT]: '4.10',
  [ProgramType.SOCK_OPS]: '4.13',
  [ProgramType.SK_SKB]: '4.14',
  [ProgramType.CGROUP_DEVICE]: '4.15',
  [ProgramType.SK_MSG]: '4.17',
  [ProgramType.RAW_TRACEPOINT]: '4.17',
  [ProgramType.CGROUP_SOCK_ADDR]: '4.17',
  [ProgramType.LWT_SEG6LOCAL]: '4.18',
  [ProgramType.LIRC_MODE2]: '4.18',
  [ProgramType.SK_REUSEPORT]: '4.19',
  [ProgramType.FLOW_DISSECTOR]: '4.20',
  [ProgramType.CGROUP_SYSCTL]: '5.2',
  [ProgramType.RAW_TRACEPOINT_WRITABLE]: '5.2',
  [ProgramType.CGROUP_SOCKOPT]: '5.3',
  [ProgramType.TRACING]: '5.5',
  [ProgramType.STRUCT_OPS]: '5.6',
  [ProgramType.EXT]: '5.6',
  [ProgramType.LSM]: '5.7',
  [ProgramType.SK_LOOKUP]: '5.9',
  [ProgramType.SYSCALL]: '5.14',
  [ProgramType.NETFILTER]: '6.4',
};

function enumName(table: Record<string, number>, value: number): string | undefined {
  for (const [name, v] of Object.entries(table)) if (v === value) return name.toLowerCase();
  return undefined;
}

/** `"ringbuf maps"`, or `"map type 99"` for a value this library does not know. */
export function mapTypeFeature(type: number): string {
  const name = enumName(MapType, type);
  return name ? `${name} maps` : `map type ${type}`;
}

/** `"xdp programs"`, or `"program type 99"`. */
export function programTypeFeature(type: number): string {
  const name = enumName(ProgramType, type);
  return name ? `${name} programs` : `program type ${type}`;
}

/** The first kernel with this map type, if known. */
export function mapTypeMinKernel(type: number): string | undefined {
  return MAP_MIN_KERNEL[type];
}

/** The first kernel with this program type, if known. */
export function programTypeMinKernel(type: number): string | undefined {
  return PROGRAM_MIN_KERNEL[type];
}
