/**
 * Releases results in a fixed order (the configuration's) while they arrive in
 * any order (completion): each is passed on as soon as every earlier one is in.
 */
export class InConfigOrder<T> {
  private readonly waiting = new Map<string, T>();
  private next = 0;

  constructor(
    private readonly ids: readonly string[],
    private readonly emit: (value: T) => void,
  ) {}

  settle(id: string, value: T): void {
    this.waiting.set(id, value);
    for (let id = this.ids[this.next]; id !== undefined && this.waiting.has(id); id = this.ids[this.next]) {
      const ready = this.waiting.get(id) as T;
      this.waiting.delete(id);
      this.next++;
      this.emit(ready);
    }
  }
}
