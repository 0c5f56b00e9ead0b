/**
 * The Xet files the models of one run are fetching, by xetHash. A model needing a file another model
 * of the run is already fetching waits for that model to be recorded, then copies the file's chunks
 * from the cache (see xet-reuse.ts) instead of fetching them a second time in parallel. A model only
 * waits for models that claimed before it, so no two wait for each other.
 */
export class XetTurns {
  private readonly fetching = new Map<string, Promise<void>>();

  /** Claims the files no model of the run is fetching; `othersDone` settles when those that are being fetched are. Dispose when recorded (or failed). */
  claim(xetHashes: readonly string[]): XetTurn {
    let done!: () => void;
    const mine = new Promise<void>((resolve) => (done = resolve));
    const others = new Set<Promise<void>>();
    const claimed: string[] = [];
    for (const hash of new Set(xetHashes)) {
      const other = this.fetching.get(hash);
      if (other) others.add(other);
      else {
        this.fetching.set(hash, mine);
        claimed.push(hash);
      }
    }
    return {
      othersDone: Promise.all(others).then(() => {}),
      [Symbol.dispose]: () => {
        for (const hash of claimed) this.fetching.delete(hash);
        done();
      },
    };
  }
}

export type XetTurn = Disposable & { readonly othersDone: Promise<void> };
