import { expect, test } from "bun:test";
import { pulledStream } from "../../src/transfer/byte-source.ts";

// The Xet source decodes into buffers it reuses: that is safe only because a piece is produced
// when the engine reads it, after the engine is done with the one before, even through a Response
// and a second pulledStream (the bridge fallback wraps the Xet body).
test("pulledStream reads nothing ahead, also wrapped in a Response and in a second pulledStream", async () => {
  const log: string[] = [];
  async function* pieces() {
    for (let index = 0; index < 3; index++) {
      log.push(`made ${index}`);
      yield Uint8Array.of(index);
    }
  }
  const generator = pieces();
  const inner = new Response(pulledStream(() => generator.next(), async () => {})).body!.getReader();
  const outer = new Response(pulledStream(() => inner.read() as Promise<IteratorResult<Uint8Array>>, async () => {})).body!;
  for await (const piece of outer) {
    log.push(`read ${piece[0]}`);
    await Promise.resolve(); // the reader may await before it reads on
    log.push(`done ${piece[0]}`);
  }
  expect(log).toEqual(["made 0", "read 0", "done 0", "made 1", "read 1", "done 1", "made 2", "read 2", "done 2"]);
});
