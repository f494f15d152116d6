/**
 * A binary min-heap of (dueAt, item). One central queue replaces a timer per device, so a pod
 * with 10,000 devices holds one timer. Removal is lazy: callers tag entries with a generation
 * and ignore stale ones when they pop (cheaper than finding an entry in the heap).
 */
export class DueQueue<T> {
  readonly #due: number[] = [];
  readonly #items: T[] = [];

  get size(): number {
    return this.#due.length;
  }

  /** The earliest due time, or undefined when empty. */
  peekDue(): number | undefined {
    return this.#due[0];
  }

  push(dueAt: number, item: T): void {
    this.#due.push(dueAt);
    this.#items.push(item);
    this.#up(this.#due.length - 1);
  }

  /** Removes and returns the earliest item if it is due at or before `now`. */
  popDue(now: number): T | undefined {
    const first = this.#due[0];
    if (first === undefined || first > now) return undefined;
    const item = this.#items[0] as T;
    const lastDue = this.#due.pop() as number;
    const lastItem = this.#items.pop() as T;
    if (this.#due.length > 0) {
      this.#due[0] = lastDue;
      this.#items[0] = lastItem;
      this.#down(0);
    }
    return item;
  }

  clear(): void {
    this.#due.length = 0;
    this.#items.length = 0;
  }

  #up(i: number): void {
    const due = this.#due;
    const items = this.#items;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((due[parent] as number) <= (due[i] as number)) break;
      this.#swap(due, items, i, parent);
      i = parent;
    }
  }

  #down(i: number): void {
    const due = this.#due;
    const items = this.#items;
    const n = due.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && (due[l] as number) < (due[m] as number)) m = l;
      if (r < n && (due[r] as number) < (due[m] as number)) m = r;
      if (m === i) return;
      this.#swap(due, items, i, m);
      i = m;
    }
  }

  #swap(due: number[], items: T[], a: number, b: number): void {
    const d = due[a] as number;
    due[a] = due[b] as number;
    due[b] = d;
    const it = items[a] as T;
    items[a] = items[b] as T;
    items[b] = it;
  }
}
