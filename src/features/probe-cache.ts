/**
 * The probe mechanism: a probe runs once per kernel context and its *conclusive* outcome is cached —
 * supported, or a `NotSupportedError`. Any other error (EPERM because the caller is not privileged,
 * ENOMEM...) is thrown as is and not cached, so a later call can succeed.
 */
import { isNotSupportedError, type NotSupportedError } from '../errors.js';
import { defaultContext, type KernelContext } from '../syscall/context.js';

/** Options accepted by every feature probe. */
export interface ProbeOptions {
  /** Kernel context (backend and caches); the default context when omitted. */
  ctx?: KernelContext;
}

type Verdict = { ok: true } | { ok: false; error: NotSupportedError };

/** Runs `probe` (which returns when supported and throws NotSupportedError when not) at most once. */
export function cachedProbe(
  opts: ProbeOptions | undefined,
  key: string,
  probe: (ctx: KernelContext) => void,
): void {
  const ctx = opts?.ctx ?? defaultContext();
  const cacheKey = `features:${key}`;
  let verdict = ctx.cache.get(cacheKey) as Verdict | undefined;
  if (verdict === undefined) {
    try {
      probe(ctx);
      verdict = { ok: true };
    } catch (e) {
      if (!isNotSupportedError(e)) throw e;
      verdict = { ok: false, error: e };
    }
    ctx.cache.set(cacheKey, verdict);
  }
  if (!verdict.ok) throw verdict.error;
}
