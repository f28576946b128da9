// ctx.state for one backtest slot: reads the state the last successful slot left, and copies it on the first write,
// so a slot that fails leaves it as it was (botd keeps a run's state only when the run succeeds) without copying the
// whole state at every slot that only reads it.

export class SlotState {
  private copy: Map<string, unknown> | undefined;

  constructor(private readonly committed: Map<string, unknown>) {}

  get(key: string): unknown {
    return (this.copy ?? this.committed).get(key);
  }

  set(key: string, value: unknown): this {
    this.writable().set(key, value);
    return this;
  }

  delete(key: string): boolean {
    return this.writable().delete(key);
  }

  /** The state as the slot left it: the committed one when it wrote nothing. */
  result(): Map<string, unknown> {
    return this.copy ?? this.committed;
  }

  private writable(): Map<string, unknown> {
    return (this.copy ??= new Map(this.committed));
  }
}
