import { expect, test } from "bun:test";
import { LZ4_WASM_BASE64 } from "../../../src/transfer/xet/lz4-wasm-module.ts";
import { MODULE_FILE, renderWasmModule } from "./lz4-wasm-file.ts";

// The decoder's WebAssembly ships as bytes in a .ts module (it works from `import` of src and in the
// compiled binary alike: the Xet download tests run the binary); these bytes must be what the text
// source in lz4.wat assembles to.
test("the embedded WebAssembly is what lz4.wat assembles to (`bun run wasm` rewrites it)", async () => {
  const rendered = await renderWasmModule();
  expect(rendered).toContain(LZ4_WASM_BASE64.slice(0, 100));
  expect(rendered).toBe(await Bun.file(MODULE_FILE).text());
});
