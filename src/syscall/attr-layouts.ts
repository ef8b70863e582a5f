/**
 * Byte offsets of the `union bpf_attr` members used by ebpf-ts, per command, exactly as in the kernel UAPI.
 * `SIZE` is how many bytes we pass: the end of the last field we may set (the kernel requires any bytes
 * past the fields it knows to be zero, so passing less than the full union is both allowed and safer on old
 * kernels). `test/syscall/attr-layouts.test.ts` checks every offset with `offsetof` against the running
 * kernel's `union bpf_attr` (from its BTF).
 */

/** BPF_MAP_CREATE. */
export const MapCreateAttr = {
  map_type: 0,
  key_size: 4,
  value_size: 8,
  max_entries: 12,
  map_flags: 16,
  inner_map_fd: 20,
  numa_node: 24,
  map_name: 28,
  map_ifindex: 44,
  btf_fd: 48,
  btf_key_type_id: 52,
  btf_value_type_id: 56,
  btf_vmlinux_value_type_id: 60,
  map_extra: 64,
  value_type_btf_obj_fd: 72,
  map_token_fd: 76,
  SIZE: 80,
} as const;

/** BPF_MAP_{LOOKUP,UPDATE,DELETE}_ELEM, GET_NEXT_KEY, LOOKUP_AND_DELETE_ELEM, FREEZE. */
export const MapElemAttr = { map_fd: 0, key: 8, value: 16, next_key: 16, flags: 24, SIZE: 32 } as const;

/** BPF_MAP_*_BATCH (`attr.batch`). */
export const MapBatchAttr = {
  in_batch: 0,
  out_batch: 8,
  keys: 16,
  values: 24,
  count: 32,
  map_fd: 36,
  elem_flags: 40,
  flags: 48,
  SIZE: 56,
} as const;

/** BPF_PROG_LOAD. */
export const ProgLoadAttr = {
  prog_type: 0,
  insn_cnt: 4,
  insns: 8,
  license: 16,
  log_level: 24,
  log_size: 28,
  log_buf: 32,
  kern_version: 40,
  prog_flags: 44,
  prog_name: 48,
  prog_ifindex: 64,
  expected_attach_type: 68,
  prog_btf_fd: 72,
  func_info_rec_size: 76,
  func_info: 80,
  func_info_cnt: 88,
  line_info_rec_size: 92,
  line_info: 96,
  line_info_cnt: 104,
  attach_btf_id: 108,
  attach_prog_fd: 112,
  attach_btf_obj_fd: 112,
  core_relo_cnt: 116,
  fd_array: 120,
  core_relos: 128,
  core_relo_rec_size: 136,
  log_true_size: 140,
  prog_token_fd: 144,
  fd_array_cnt: 148,
  SIZE: 152,
} as const;

/** BPF_OBJ_PIN / BPF_OBJ_GET. */
export const ObjPinAttr = { pathname: 0, bpf_fd: 8, file_flags: 12, path_fd: 16, SIZE: 20 } as const;

/** BPF_PROG_ATTACH / BPF_PROG_DETACH. */
export const ProgAttachAttr = {
  target_fd: 0,
  target_ifindex: 0,
  attach_bpf_fd: 4,
  attach_type: 8,
  attach_flags: 12,
  replace_bpf_fd: 16,
  relative_fd: 20,
  relative_id: 20,
  expected_revision: 24,
  SIZE: 32,
} as const;

/** BPF_PROG_TEST_RUN (`attr.test`). */
export const ProgTestRunAttr = {
  prog_fd: 0,
  retval: 4,
  data_size_in: 8,
  data_size_out: 12,
  data_in: 16,
  data_out: 24,
  repeat: 32,
  duration: 36,
  ctx_size_in: 40,
  ctx_size_out: 44,
  ctx_in: 48,
  ctx_out: 56,
  flags: 64,
  cpu: 68,
  batch_size: 72,
  SIZE: 80,
} as const;

/** BPF_*_GET_NEXT_ID and BPF_*_GET_FD_BY_ID. */
export const GetIdAttr = {
  start_id: 0,
  prog_id: 0,
  map_id: 0,
  btf_id: 0,
  link_id: 0,
  next_id: 4,
  open_flags: 8,
  SIZE: 12,
} as const;

/** BPF_OBJ_GET_INFO_BY_FD (`attr.info`). */
export const ObjInfoAttr = { bpf_fd: 0, info_len: 4, info: 8, SIZE: 16 } as const;

/** BPF_PROG_QUERY (`attr.query`). */
export const ProgQueryAttr = {
  target_fd: 0,
  attach_type: 4,
  query_flags: 8,
  attach_flags: 12,
  prog_ids: 16,
  prog_cnt: 24,
  prog_attach_flags: 32,
  link_ids: 40,
  link_attach_flags: 48,
  revision: 56,
  SIZE: 64,
} as const;

/** BPF_RAW_TRACEPOINT_OPEN (`attr.raw_tracepoint`). */
export const RawTracepointAttr = { name: 0, prog_fd: 8, cookie: 16, SIZE: 24 } as const;

/** BPF_BTF_LOAD. */
export const BtfLoadAttr = {
  btf: 0,
  btf_log_buf: 8,
  btf_size: 16,
  btf_log_size: 20,
  btf_log_level: 24,
  btf_log_true_size: 28,
  btf_flags: 32,
  btf_token_fd: 36,
  SIZE: 40,
} as const;

/** BPF_TASK_FD_QUERY (`attr.task_fd_query`). */
export const TaskFdQueryAttr = {
  pid: 0,
  fd: 4,
  flags: 8,
  buf_len: 12,
  buf: 16,
  prog_id: 24,
  fd_type: 28,
  probe_offset: 32,
  probe_addr: 40,
  SIZE: 48,
} as const;

/** BPF_LINK_CREATE (`attr.link_create`), with the offsets of each per-type union member. */
export const LinkCreateAttr = {
  prog_fd: 0,
  map_fd: 0,
  target_fd: 4,
  target_ifindex: 4,
  attach_type: 8,
  flags: 12,
  target_btf_id: 16,
  iter_info: 16,
  iter_info_len: 24,
  perf_event_bpf_cookie: 16,
  kprobe_multi_flags: 16,
  kprobe_multi_cnt: 20,
  kprobe_multi_syms: 24,
  kprobe_multi_addrs: 32,
  kprobe_multi_cookies: 40,
  tracing_target_btf_id: 16,
  tracing_cookie: 24,
  netfilter_pf: 16,
  netfilter_hooknum: 20,
  netfilter_priority: 24,
  netfilter_flags: 28,
  tcx_relative_fd: 16,
  tcx_expected_revision: 24,
  uprobe_multi_path: 16,
  uprobe_multi_offsets: 24,
  uprobe_multi_ref_ctr_offsets: 32,
  uprobe_multi_cookies: 40,
  uprobe_multi_cnt: 48,
  uprobe_multi_flags: 52,
  uprobe_multi_pid: 56,
  netkit_relative_fd: 16,
  netkit_expected_revision: 24,
  SIZE: 64,
} as const;

/** BPF_LINK_UPDATE (`attr.link_update`). */
export const LinkUpdateAttr = { link_fd: 0, new_prog_fd: 4, flags: 8, old_prog_fd: 12, SIZE: 16 } as const;

/** BPF_LINK_DETACH (`attr.link_detach`). */
export const LinkDetachAttr = { link_fd: 0, SIZE: 4 } as const;

/** BPF_ENABLE_STATS (`attr.enable_stats`). */
export const EnableStatsAttr = { type: 0, SIZE: 4 } as const;

/** BPF_ITER_CREATE (`attr.iter_create`). */
export const IterCreateAttr = { link_fd: 0, flags: 4, SIZE: 8 } as const;

/** BPF_PROG_BIND_MAP (`attr.prog_bind_map`). */
export const ProgBindMapAttr = { prog_fd: 0, map_fd: 4, flags: 8, SIZE: 12 } as const;
