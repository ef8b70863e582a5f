/**
 * `UsdtLink`: the link `usdt()` returns. A USDT probe may have many sites, each its own uprobe link (or one
 * uprobe_multi link for all); this wrapper owns them and the probe's spec ids, and closing it detaches every
 * site and frees the ids. With exactly one underlying link, `fd`, `pin`, `unpin`, `info`, `update` and
 * `detach` act on it; with several they throw `NotSupportedError` (use `links` to reach each one). A pinned
 * link keeps its spec ids when closed: the attachment outlives the object and still reads them.
 */
import { NotSupportedError } from '../errors.js';
import type { KernelContext } from '../syscall/context.js';
import type { FD } from '../syscall/fd.js';
import { Link, type LinkUpdateOptions } from './link.js';
import type { LinkInfo } from './link-info.js';
import type { LinkProgram } from './program-ref.js';
import type { UsdtProbe } from './usdt-notes.js';

/** What a `UsdtLink` owns. */
export interface UsdtLinkInit {
  ctx: KernelContext;
  label: string;
  /** The uprobe links, taken over. */
  links: readonly Link[];
  /** The probe sites attached. */
  probes: readonly UsdtProbe[];
  /** The spec ids the sites use. */
  specIds: readonly number[];
  /**
   * Runs after the links are closed: frees the spec ids (unless `keepSpecs`: the link is pinned and still
   * reads them) and closes the spec map handle.
   */
  release: (keepSpecs: boolean) => void;
}

/** A USDT probe attached at all its sites. Close it (or `using` it) to detach. */
export class UsdtLink extends Link {
  /** One link per probe site, or one uprobe_multi link. */
  readonly links: readonly Link[];
  /** The probe sites (addresses, file offsets, argument specs). */
  readonly probes: readonly UsdtProbe[];
  /** The spec ids in `__ebpf_ts_usdt_specs` held until `close()`. */
  readonly specIds: readonly number[];

  /** Use `usdt()`. */
  constructor(init: UsdtLinkInit) {
    const links = [...init.links];
    const self: { link?: UsdtLink } = {};
    super({
      ctx: init.ctx,
      kind: links[0]?.kind ?? 'bpf-link',
      label: init.label,
      release: [
        ...links.map((l) => () => l.close()),
        () => init.release(self.link?.pinnedPath !== undefined),
      ],
    });
    self.link = this;
    this.links = links;
    this.probes = init.probes;
    this.specIds = init.specIds;
  }

  #single(what: string): Link {
    const only = this.links.length === 1 ? this.links[0] : undefined;
    if (only === undefined)
      throw new NotSupportedError(
        `${what} of a usdt link with ${this.links.length} sites`,
        undefined,
        `${this.label}: act on each of .links instead`,
      );
    return only;
  }

  override get fd(): FD {
    return this.#single('descriptor').fd;
  }

  override get pinnedPath(): string | undefined {
    return this.links.length === 1 ? this.links[0]?.pinnedPath : undefined;
  }

  override pin(path: string): void {
    this.#single('pin').pin(path);
  }

  override unpin(): void {
    if (this.links.length === 1) this.links[0]?.unpin();
  }

  override update(program: LinkProgram, opts: LinkUpdateOptions = {}): void {
    this.#single('update').update(program, opts);
  }

  override detach(): void {
    this.#single('detach').detach();
  }

  override info(): LinkInfo {
    return this.#single('info').info();
  }

  override toString(): string {
    return `UsdtLink(${this.label}, ${this.links.length} sites${this.isOpen ? '' : ', closed'})`;
  }
}
