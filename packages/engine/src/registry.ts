/** `Unknown model "x". Known models: a, b.`: what a lookup of an unregistered name says. */
export function unknownEntryMessage(kind: string, name: string, known: readonly string[]): string {
  return `Unknown ${kind} "${name}". Known ${kind}s: ${known.join(', ') || 'none'}.`;
}

/** Entries by id, in the order they were registered; looking up an unknown id throws the error `unknown` makes. */
export class Registry<T> {
  private readonly entries = new Map<string, T>();

  constructor(private readonly unknown: (id: string, known: readonly string[]) => Error) {}

  has(id: string): boolean {
    return this.entries.has(id);
  }

  ids(): string[] {
    return [...this.entries.keys()];
  }

  resolve(id: string): T {
    const entry = this.entries.get(id);
    if (entry === undefined) throw this.unknown(id, this.ids());
    return entry;
  }

  protected set(id: string, entry: T): void {
    this.entries.set(id, entry);
  }

  protected values(): T[] {
    return [...this.entries.values()];
  }
}
