/**
 * Optional tracing of open descriptors owned by `FD` objects, so tests can fail when one leaks.
 */

/** A descriptor still open, with where it was created when tracing is on. */
export interface OpenFdRecord {
  fd: number;
  label: string;
  stack: string;
}

/** Records which `FD`s are open while enabled. */
export class FdTracker {
  #enabled = false;
  readonly #open = new Map<number, OpenFdRecord>();

  /** Starts recording descriptors opened from now on. */
  enable(): void {
    this.#enabled = true;
  }

  /** Stops recording and forgets everything recorded. */
  disable(): void {
    this.#enabled = false;
    this.#open.clear();
  }

  get enabled(): boolean {
    return this.#enabled;
  }

  /** Called by `FD` when it takes ownership of a descriptor. */
  opened(fd: number, label: string): void {
    if (!this.#enabled) return;
    this.#open.set(fd, { fd, label, stack: new Error().stack?.split('\n').slice(3, 9).join('\n') ?? '' });
  }

  /** Called by `FD` when it closes or disowns a descriptor. */
  closed(fd: number): void {
    this.#open.delete(fd);
  }

  /** Descriptors opened while tracing and not yet closed. */
  open(): OpenFdRecord[] {
    return [...this.#open.values()];
  }
}
