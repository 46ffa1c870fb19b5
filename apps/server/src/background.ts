import type { FastifyBaseLogger } from 'fastify';

/**
 * Work a request starts but does not wait for (an email whose sending time would otherwise tell who has an
 * account). Failures are logged; shutdown waits for what is still running, so no email is cut off half-sent.
 */
export class BackgroundTasks {
  private readonly running = new Set<Promise<void>>();

  /** Runs `task` after `delayMs`; counted as running from now, so shutdown waits for it too. */
  run(task: () => Promise<void>, log: FastifyBaseLogger, what: string, delayMs = 0): void {
    const p = new Promise<void>((resolve) => setTimeout(resolve, delayMs))
      .then(task)
      .catch((err: unknown) => log.error({ err }, `${what} failed`))
      .finally(() => this.running.delete(p));
    this.running.add(p);
  }

  /** Resolves when everything started so far has finished (shutdown, tests). */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }
}
