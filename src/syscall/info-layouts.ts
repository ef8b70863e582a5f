/**
 * Offsets in the `struct bpf_*_info` records returned by BPF_OBJ_GET_INFO_BY_FD, as in the kernel UAPI.
 * Checked against the running kernel's definitions by `test/syscall/attr-layouts.test.ts`.
 */

/** `struct bpf_map_info`. */
export const MapInfoLayout = {
  type: 0,
  id: 4,
  key_size: 8,
  value_size: 12,
  max_entries: 16,
  map_flags: 20,
  name: 24,
  ifindex: 40,
  btf_vmlinux_value_type_id: 44,
  netns_dev: 48,
  netns_ino: 56,
  btf_id: 64,
  btf_key_type_id: 68,
  btf_value_type_id: 72,
  btf_vmlinux_id: 76,
  map_extra: 80,
  SIZE: 88,
} as const;

/** `struct bpf_prog_info`. */
export const ProgInfoLayout = {
  type: 0,
  id: 4,
  tag: 8,
  jited_prog_len: 16,
  xlated_prog_len: 20,
  jited_prog_insns: 24,
  xlated_prog_insns: 32,
  load_time: 40,
  created_by_uid: 48,
  nr_map_ids: 52,
  map_ids: 56,
  name: 64,
  ifindex: 80,
  /** u32 bitfield word holding `gpl_compatible:1`. */
  gpl_compatible_word: 84,
  netns_dev: 88,
  netns_ino: 96,
  nr_jited_ksyms: 104,
  nr_jited_func_lens: 108,
  jited_ksyms: 112,
  jited_func_lens: 120,
  btf_id: 128,
  func_info_rec_size: 132,
  func_info: 136,
  nr_func_info: 144,
  nr_line_info: 148,
  line_info: 152,
  jited_line_info: 160,
  nr_jited_line_info: 168,
  line_info_rec_size: 172,
  jited_line_info_rec_size: 176,
  nr_prog_tags: 180,
  prog_tags: 184,
  run_time_ns: 192,
  run_cnt: 200,
  recursion_misses: 208,
  verified_insns: 216,
  attach_btf_obj_id: 220,
  attach_btf_id: 224,
  SIZE: 232,
} as const;

/** `struct bpf_btf_info`. */
export const BtfInfoLayout = {
  btf: 0,
  btf_size: 8,
  id: 12,
  name: 16,
  name_len: 24,
  kernel_btf: 28,
  SIZE: 32,
} as const;

/** `struct bpf_link_info` (common part and the union members ebpf-ts decodes). */
export const LinkInfoLayout = {
  type: 0,
  id: 4,
  prog_id: 8,
  /** Start of the per-type union. */
  union: 16,
  raw_tracepoint_tp_name: 16,
  raw_tracepoint_tp_name_len: 24,
  tracing_attach_type: 16,
  tracing_target_obj_id: 20,
  tracing_target_btf_id: 24,
  cgroup_cgroup_id: 16,
  cgroup_attach_type: 24,
  netns_netns_ino: 16,
  netns_attach_type: 20,
  xdp_ifindex: 16,
  netfilter_pf: 16,
  netfilter_hooknum: 20,
  netfilter_priority: 24,
  netfilter_flags: 28,
  SIZE: 64,
} as const;
