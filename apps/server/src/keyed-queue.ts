import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Runs tasks one at a time per key (a consultation): two members acting at once, a timer firing and an admin's
 * REST call never interleave their changes to one room, while different rooms proceed in parallel. Rooms and the
 * recording service share one instance, so there is a single order per consultation and no lock-order deadlock
 * between them.
 *
 * Re-entrant: a task that (directly or through an observer) runs another task for the same key runs it inline
 * instead of queueing behind itself. Work scheduled from inside a task (a timer, a promise callback) but run after
 * the task finished is queued normally: the "inside" mark is a token that is only valid while its task runs.
 * (Hand-written because it is ~40 lines and the re-entrancy is the product's own rule; queue libraries such as
 * p-queue have no notion of it.)
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();
  /** The token of the task running now, per key. */
  private readonly running = new Map<string, symbol>();
  private readonly inside = new AsyncLocalStorage<ReadonlyMap<string, symbol>>();

  run<T>(key: string, task: () => Promise<T> | T): Promise<T> {
    const held = this.inside.getStore()?.get(key);
    if (held !== undefined && this.running.get(key) === held) return Promise.resolve().then(task);
    const token = Symbol(key);
    const tail = this.tails.get(key) ?? Promise.resolve();
    const result = tail.then(() => {
      this.running.set(key, token);
      const marks = new Map(this.inside.getStore() ?? []);
      marks.set(key, token);
      return this.inside.run(marks, task);
    });
    const settled: Promise<void> = result.then(
      () => this.release(key, token, settled),
      () => this.release(key, token, settled),
    );
    this.tails.set(key, settled);
    return result;
  }

  /** Keys with work queued or running (for tests and metrics). */
  get busyKeys(): number {
    return this.tails.size;
  }

  private release(key: string, token: symbol, settled: Promise<unknown>): void {
    if (this.running.get(key) === token) this.running.delete(key);
    // Forget the key once nothing is queued behind this task, so the map does not grow with every room ever seen.
    if (this.tails.get(key) === settled) this.tails.delete(key);
  }
}
