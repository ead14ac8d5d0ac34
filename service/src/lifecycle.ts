/**
 * Graceful shutdown: cleanup steps registered by whoever starts a resource, run once in reverse order
 * on SIGINT/SIGTERM (or an explicit call), bounded in time so a stuck step cannot keep the process alive.
 */
import type { Logger } from './logger.js';

type Step = { name: string; run: () => Promise<void> | void };

/** Signals it takes to cut a running shutdown short. */
const FORCE_AFTER_SIGNALS = 4;

export class Lifecycle {
  private readonly steps: Step[] = [];
  private stoppingPromise: Promise<void> | undefined;
  private readonly sleepers = new Set<() => void>();

  constructor(
    private readonly logger: Logger,
    private readonly timeoutMs = 15_000,
    /** What each step after the deadline gets. */
    private readonly lateStepMs = 5_000,
  ) {}

  /** Registers a cleanup step; steps run last-registered first. */
  onShutdown(name: string, run: Step['run']): void {
    this.steps.push({ name, run });
  }

  /**
   * Installs SIGINT/SIGTERM handlers that shut down and exit: with the conventional code (130, 143), or with 0
   * for a long-running service, for which a stop request is the normal way to end.
   */
  handleSignals(options: { exitZero?: boolean } = {}): void {
    let received = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      received++;
      if (received === 1) {
        this.logger.info({ type: 'shutdown', signal }, 'shutting down');
        void this.shutdown().then(() => process.exit(options.exitZero ? 0 : signal === 'SIGINT' ? 130 : 143));
        return;
      }
      // One Ctrl-C may arrive more than once (the terminal signals npm, tsx and node, and tsx relays it): only a
      // deliberate repeat cuts the clean stop short, which would leave the embedded database running.
      if (received < FORCE_AFTER_SIGNALS) {
        this.logger.warn(
          { type: 'shutdown', signal },
          'already shutting down; press Ctrl-C twice more to force',
        );
        return;
      }
      this.logger.error({ type: 'shutdown', signal }, 'forced to stop before the shutdown finished');
      process.exit(signal === 'SIGINT' ? 130 : 143);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }

  /**
   * Keeps the process running until a signal's shutdown exits it. A pending promise alone does not: Node ends a
   * process whose only work left is an unsettled await (the embedded database is a child it does not wait for).
   */
  runUntilSignal(): Promise<never> {
    setInterval(() => undefined, 2 ** 30);
    return new Promise<never>(() => undefined);
  }

  /** True once shutdown has begun: loops check it between units of work. */
  get stopping(): boolean {
    return this.stoppingPromise !== undefined;
  }

  /** Waits `ms`, or less: shutdown ends every pause at once. */
  pause(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }

  shutdown(): Promise<void> {
    if (!this.stoppingPromise) {
      this.stoppingPromise = this.runSteps();
      for (const wake of [...this.sleepers]) wake();
    }
    return this.stoppingPromise;
  }

  /**
   * Runs every step, last-registered first, within `timeoutMs` in all. A step still running at the deadline is left
   * behind (logged), but the steps after it still run, `lateStepMs` each: they release what was started first — the
   * database pool, the embedded PostgreSQL — and a process that exits without them leaves a database running.
   */
  private async runSteps(): Promise<void> {
    let late = false;
    const deadline = new Promise<'timeout'>((resolve) =>
      setTimeout(() => {
        late = true;
        resolve('timeout');
      }, this.timeoutMs).unref(),
    );
    for (const step of [...this.steps].reverse()) {
      const limit = late
        ? new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), this.lateStepMs).unref())
        : deadline;
      try {
        const result = await Promise.race([Promise.resolve(step.run()).then(() => 'done' as const), limit]);
        if (result === 'timeout')
          this.logger.error(
            { type: 'shutdown', step: step.name },
            'shutdown step timed out; going on with the next',
          );
      } catch (err) {
        this.logger.error({ type: 'shutdown', step: step.name, err }, 'shutdown step failed');
      }
    }
  }
}
