/* SPDX-License-Identifier: MIT */
/*
 * usdt.bpf.h: reading USDT probe arguments in BPF programs attached with ebpf-ts `usdt()`.
 *
 * Include it after vmlinux.h (it needs struct pt_regs), <bpf/bpf_helpers.h> and <bpf/bpf_tracing.h>:
 *
 *   SEC("usdt")
 *   int BPF_USDT(on_request, int fd, long size) { ... }      // typed arguments, ctx stays available
 *
 *   SEC("usdt")
 *   int on_any(struct pt_regs *ctx) {
 *     long v;
 *     int n = bpf_usdt_arg_cnt(ctx);
 *     if (n > 0 && bpf_usdt_arg(ctx, 0, &v) == 0) ...
 *     long c = bpf_usdt_cookie(ctx);                          // the cookie given to usdt()
 *   }
 *
 * Protocol (mirrored by src/link/usdt-spec.ts): the loader writes one struct __ebpf_ts_usdt_spec per
 * probe-site layout into the ARRAY map __ebpf_ts_usdt_specs and attaches every probe site with a BPF cookie
 * holding the spec id, so bpf_get_attach_cookie() (kernel 5.15) finds the spec. The BPF cookie is therefore
 * taken: pass your own value as usdt()'s `cookie` and read it with bpf_usdt_cookie().
 *
 * Define EBPF_TS_USDT_MAX_SPECS before including to change how many distinct specs (probe sites with
 * different argument locations, times attachments) can be live at once (default 256).
 */
#ifndef __EBPF_TS_USDT_BPF_H__
#define __EBPF_TS_USDT_BPF_H__

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#ifndef EBPF_TS_USDT_MAX_SPECS
#define EBPF_TS_USDT_MAX_SPECS 256
#endif

/* Slots per spec; the loader refuses probes with more arguments. */
#define EBPF_TS_USDT_MAX_ARGS 12

/* Error numbers returned (negated) by the helpers. */
#define EBPF_TS_USDT_ENOENT 2 /* no such argument */
#define EBPF_TS_USDT_ESRCH 3  /* no spec: not attached through usdt(), or the spec was freed */
#define EBPF_TS_USDT_EINVAL 22

enum __ebpf_ts_usdt_arg_kind {
	EBPF_TS_USDT_ARG_CONST = 0, /* the value is val_off */
	EBPF_TS_USDT_ARG_REG = 1,   /* the value is in the register at reg_off */
	EBPF_TS_USDT_ARG_MEM = 2,   /* the value is in user memory at reg + (idx_reg << idx_shift) + val_off */
};

struct __ebpf_ts_usdt_arg {
	__u64 val_off;     /* constant, or address displacement */
	__u8 kind;         /* enum __ebpf_ts_usdt_arg_kind */
	__u8 size;         /* 1, 2, 4 or 8 bytes */
	__u8 is_signed;    /* sign-extend to 64 bits */
	__u8 idx_shift;    /* log2 of the index scale */
	__s16 reg_off;     /* offsetof(struct pt_regs, register), -1 for none */
	__s16 idx_reg_off; /* offsetof(struct pt_regs, index register), -1 for none */
};

struct __ebpf_ts_usdt_spec {
	struct __ebpf_ts_usdt_arg args[EBPF_TS_USDT_MAX_ARGS];
	__u64 cookie;   /* the user's cookie (bpf_usdt_cookie) */
	__u16 arg_cnt;
	__u16 flags;    /* loader bookkeeping: slot in use */
	__u32 reserved;
};

_Static_assert(sizeof(struct __ebpf_ts_usdt_arg) == 16, "usdt arg spec layout");
_Static_assert(sizeof(struct __ebpf_ts_usdt_spec) == 208, "usdt spec layout");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, EBPF_TS_USDT_MAX_SPECS);
	__type(key, __u32);
	__type(value, struct __ebpf_ts_usdt_spec);
} __ebpf_ts_usdt_specs SEC(".maps");

/* The spec of the probe site that fired, or NULL. */
static __always_inline struct __ebpf_ts_usdt_spec *__ebpf_ts_usdt_spec(struct pt_regs *ctx)
{
	__u32 id = (__u32)bpf_get_attach_cookie(ctx);

	return bpf_map_lookup_elem(&__ebpf_ts_usdt_specs, &id);
}

/* Reads the 8-byte register slot at `off` of ctx into *val. */
static __always_inline int __ebpf_ts_usdt_reg(struct pt_regs *ctx, __s16 off, __u64 *val)
{
	if (off < 0 || off > (__s16)(sizeof(struct pt_regs) - sizeof(__u64)))
		return -EBPF_TS_USDT_EINVAL;
	return bpf_probe_read_kernel(val, sizeof(*val), (void *)ctx + off);
}

/* Number of arguments of the probe that fired, or -ESRCH. */
static __always_inline int bpf_usdt_arg_cnt(struct pt_regs *ctx)
{
	struct __ebpf_ts_usdt_spec *spec = __ebpf_ts_usdt_spec(ctx);

	if (!spec)
		return -EBPF_TS_USDT_ESRCH;
	return spec->arg_cnt;
}

/*
 * Argument `n` (from 0) of the probe that fired, widened to 64 bits (sign-extended when the probe declared it
 * signed; floating point arguments come back as their raw bits). Returns 0, or a negative error with
 * *res set to 0.
 */
static __always_inline int bpf_usdt_arg(struct pt_regs *ctx, __u64 n, long *res)
{
	struct __ebpf_ts_usdt_spec *spec;
	struct __ebpf_ts_usdt_arg *arg;
	__u64 val = 0, reg, addr;
	unsigned int shift;
	int err = 0;

	*res = 0;
	spec = __ebpf_ts_usdt_spec(ctx);
	if (!spec)
		return -EBPF_TS_USDT_ESRCH;
	if (n >= EBPF_TS_USDT_MAX_ARGS || n >= spec->arg_cnt)
		return -EBPF_TS_USDT_ENOENT;
	arg = &spec->args[n];

	switch (arg->kind) {
	case EBPF_TS_USDT_ARG_CONST:
		val = arg->val_off;
		break;
	case EBPF_TS_USDT_ARG_REG:
		err = __ebpf_ts_usdt_reg(ctx, arg->reg_off, &val);
		break;
	case EBPF_TS_USDT_ARG_MEM:
		addr = arg->val_off;
		if (arg->reg_off >= 0) {
			err = __ebpf_ts_usdt_reg(ctx, arg->reg_off, &reg);
			if (err)
				return err;
			addr += reg;
		}
		if (arg->idx_reg_off >= 0) {
			err = __ebpf_ts_usdt_reg(ctx, arg->idx_reg_off, &reg);
			if (err)
				return err;
			addr += reg << (arg->idx_shift & 3);
		}
		/* Read exactly the argument's width: byte order independent, and never past its end. */
		switch (arg->size) {
		case 1: {
			__u8 v = 0;
			err = bpf_probe_read_user(&v, sizeof(v), (void *)addr);
			val = v;
			break;
		}
		case 2: {
			__u16 v = 0;
			err = bpf_probe_read_user(&v, sizeof(v), (void *)addr);
			val = v;
			break;
		}
		case 4: {
			__u32 v = 0;
			err = bpf_probe_read_user(&v, sizeof(v), (void *)addr);
			val = v;
			break;
		}
		default:
			err = bpf_probe_read_user(&val, sizeof(val), (void *)addr);
			break;
		}
		break;
	default:
		return -EBPF_TS_USDT_EINVAL;
	}
	if (err)
		return err;

	/* Keep the low `size` bytes, sign- or zero-extending them to 64 bits. */
	if (arg->size < 8) {
		shift = 64 - 8 * (arg->size & 7);
		val <<= shift;
		val = arg->is_signed ? (__u64)((__s64)val >> shift) : val >> shift;
	}
	*res = (long)val;
	return 0;
}

/* The cookie passed to usdt() for this attachment (0 when none). */
static __always_inline long bpf_usdt_cookie(struct pt_regs *ctx)
{
	struct __ebpf_ts_usdt_spec *spec = __ebpf_ts_usdt_spec(ctx);

	return spec ? (long)spec->cookie : 0;
}

/* BPF_USDT(name, args...): a handler taking the probe's arguments as typed parameters (up to 12). */
#define ___ebpf_ts_usdt_arg(i) ({ long _x; bpf_usdt_arg(ctx, i, &_x); (void *)_x; })
#define ___ebpf_ts_usdt_args0() ctx
#define ___ebpf_ts_usdt_args1(x) ___ebpf_ts_usdt_args0(), ___ebpf_ts_usdt_arg(0)
#define ___ebpf_ts_usdt_args2(x, args...) ___ebpf_ts_usdt_args1(args), ___ebpf_ts_usdt_arg(1)
#define ___ebpf_ts_usdt_args3(x, args...) ___ebpf_ts_usdt_args2(args), ___ebpf_ts_usdt_arg(2)
#define ___ebpf_ts_usdt_args4(x, args...) ___ebpf_ts_usdt_args3(args), ___ebpf_ts_usdt_arg(3)
#define ___ebpf_ts_usdt_args5(x, args...) ___ebpf_ts_usdt_args4(args), ___ebpf_ts_usdt_arg(4)
#define ___ebpf_ts_usdt_args6(x, args...) ___ebpf_ts_usdt_args5(args), ___ebpf_ts_usdt_arg(5)
#define ___ebpf_ts_usdt_args7(x, args...) ___ebpf_ts_usdt_args6(args), ___ebpf_ts_usdt_arg(6)
#define ___ebpf_ts_usdt_args8(x, args...) ___ebpf_ts_usdt_args7(args), ___ebpf_ts_usdt_arg(7)
#define ___ebpf_ts_usdt_args9(x, args...) ___ebpf_ts_usdt_args8(args), ___ebpf_ts_usdt_arg(8)
#define ___ebpf_ts_usdt_args10(x, args...) ___ebpf_ts_usdt_args9(args), ___ebpf_ts_usdt_arg(9)
#define ___ebpf_ts_usdt_args11(x, args...) ___ebpf_ts_usdt_args10(args), ___ebpf_ts_usdt_arg(10)
#define ___ebpf_ts_usdt_args12(x, args...) ___ebpf_ts_usdt_args11(args), ___ebpf_ts_usdt_arg(11)
#define ___ebpf_ts_usdt_args(args...) ___bpf_apply(___ebpf_ts_usdt_args, ___bpf_narg(args))(args)

/*
 * int BPF_USDT(handler, int a, long b) { ... }: defines `handler(struct pt_regs *ctx)` which fetches each
 * argument with bpf_usdt_arg() (0 when missing) and calls the body with them; `ctx` stays in scope.
 */
#define BPF_USDT(name, args...)                                                  \
	name(struct pt_regs *ctx);                                               \
	static __always_inline typeof(name(0)) ____##name(struct pt_regs *ctx, ##args); \
	typeof(name(0)) name(struct pt_regs *ctx)                                \
	{                                                                        \
		_Pragma("GCC diagnostic push")                                   \
		_Pragma("GCC diagnostic ignored \"-Wint-conversion\"")           \
		return ____##name(___ebpf_ts_usdt_args(args));                   \
		_Pragma("GCC diagnostic pop")                                    \
	}                                                                        \
	static __always_inline typeof(name(0)) ____##name(struct pt_regs *ctx, ##args)

#endif /* __EBPF_TS_USDT_BPF_H__ */
