/** A one-shot timer over running time only: paused time does not count. */
export class PausableTimer {
  private remainingMs: number;
  private startedAt: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  private fired = false;

  constructor(
    budgetMs: number,
    private readonly onExpire: () => void,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.remainingMs = budgetMs;
  }

  resume(): void {
    if (this.fired || this.timer) {
      return;
    }
    this.startedAt = this.now();
    this.timer = setTimeout(
      () => {
        this.fired = true;
        this.timer = null;
        this.onExpire();
      },
      Math.max(0, this.remainingMs),
    );
  }

  pause(): void {
    if (!this.timer || this.startedAt === null) {
      return;
    }
    clearTimeout(this.timer);
    this.timer = null;
    this.remainingMs -= this.now() - this.startedAt;
    this.startedAt = null;
  }

  cancel(): void {
    this.pause();
    this.fired = true;
  }
}
