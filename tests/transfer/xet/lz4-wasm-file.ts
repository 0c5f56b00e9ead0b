/**
 * The WebAssembly bytes of the LZ4 decoder, assembled from their text source
 * (src/transfer/xet/lz4.wat) by wabt (a devDependency, pinned: its output is the same bytes each time).
 * `bun run wasm` rewrites the committed module; a test fails when it differs from what the source gives.
 */
import { join } from "node:path";
import wabtInit from "wabt";

const XET_DIR = join(import.meta.dir, "..", "..", "..", "src", "transfer", "xet");
export const WAT_FILE = join(XET_DIR, "lz4.wat");
export const MODULE_FILE = join(XET_DIR, "lz4-wasm-module.ts");

export async function renderWasmModule(): Promise<string> {
  const wabt = await wabtInit();
  const parsed = wabt.parseWat("lz4.wat", await Bun.file(WAT_FILE).text(), { simd: true, bulk_memory: true });
  try {
    parsed.validate();
    const { buffer } = parsed.toBinary({ write_debug_names: false });
    const base64 = Buffer.from(buffer).toString("base64");
    const lines = base64.match(/.{1,100}/g)!.map((line) => `  "${line}"`);
    return [
      "// Generated from lz4.wat by `bun run wasm` (tests/transfer/xet/lz4-wasm-file.ts); do not edit.",
      "export const LZ4_WASM_BASE64 =",
      `${lines.join(" +\n")};`,
      "",
    ].join("\n");
  } finally {
    parsed.destroy();
  }
}

if (import.meta.main) {
  await Bun.write(MODULE_FILE, await renderWasmModule());
  console.log(`wrote ${MODULE_FILE}`);
}
