/**
 * The one line an example prints when it fails. A failure caused by a missing kernel feature (a
 * NotSupportedError anywhere in the error's `cause` chain) reads `kernel lacks <feature>…`, keeping the rest
 * of the message (what was being done, why, and which example to try instead).
 */
import { isNotSupportedError, type NotSupportedError } from 'ebpf-ts';

/** How many `cause` links are followed before giving up (guards against cycles). */
const MAX_CAUSE_DEPTH = 16;

/** The first NotSupportedError in `error` or its `cause` chain, or undefined. */
export function findNotSupported(error: unknown): NotSupportedError | undefined {
  let e: unknown = error;
  for (let depth = 0; depth <= MAX_CAUSE_DEPTH && e !== undefined && e !== null; depth++) {
    if (isNotSupportedError(e)) return e;
    e = typeof e === 'object' ? (e as { cause?: unknown }).cause : undefined;
  }
  return undefined;
}

/**
 * Rewrites `message` to lead with `kernel lacks <feature>`. The NotSupportedError phrase
 * `<feature> not supported[ (requires kernel >= X)]` is replaced where it starts the message; where it follows
 * a context (`load "x.bpf.o": program "p": fentry not supported (…): detail`) it moves to the front and the
 * context follows (`kernel lacks fentry (…): load "x.bpf.o": program "p": detail`). A message without the
 * phrase gets `kernel lacks <feature>: ` in front.
 */
export function kernelLacksMessage(message: string, feature: string, minKernel?: string): string {
  const phrase = `${feature} not supported`;
  const requires = minKernel ? ` (requires kernel >= ${minKernel})` : '';
  if (message.startsWith(phrase)) return `kernel lacks ${feature}${message.slice(phrase.length)}`;
  const at = message.indexOf(`: ${phrase}`);
  if (at < 0) return `kernel lacks ${feature}: ${message}`;
  const context = message.slice(0, at);
  let rest = message.slice(at + 2 + phrase.length);
  let lead = `kernel lacks ${feature}`;
  if (requires !== '' && rest.startsWith(requires)) {
    lead += requires;
    rest = rest.slice(requires.length);
  }
  // rest is now ": detail…", "; tail…" or empty: the context takes the phrase's place before it
  return `${lead}: ${context}${rest}`;
}

/** The text after `error: ` for a failed example: the message, led by `kernel lacks <feature>` when it is one. */
export function errorLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const notSupported = findNotSupported(error);
  if (notSupported === undefined) return message;
  return kernelLacksMessage(message, notSupported.feature, notSupported.minKernel);
}
