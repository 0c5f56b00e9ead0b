import { describe, expect, test } from "bun:test";
import { ByteReader } from "../../../src/transfer/xet/byte-reader.ts";

/** A reader over `body` delivered in network chunks of the given sizes (the last one repeats). */
function readerOf(body: string | Uint8Array, sizes: number[]): ByteReader {
  const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
  let at = 0;
  let index = 0;
  const source = {
    read: async () => {
      if (at >= bytes.length) return { done: true };
      const size = sizes[Math.min(index++, sizes.length - 1)]!;
      const value = bytes.slice(at, at + size);
      at += size;
      return { done: false, value };
    },
  };
  return new ByteReader(source, Number.POSITIVE_INFINITY, () => {}, () => new Error("too large"));
}

const PART = "\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-Range: bytes 0-3/10\r\n\r\n";

describe("ByteReader.through (multipart part headers)", () => {
  for (const size of [1, 2, 3, 5, 16, 1000]) {
    test(`finds the end of the headers across network chunks of ${size} bytes and leaves the body after it`, async () => {
      const reader = readerOf(`${PART}BODY`, [size]);
      expect(await reader.through("\r\n\r\n", 1024)).toBe(PART);
      expect(new TextDecoder().decode(await reader.exactly(4))).toBe("BODY");
    });
  }

  test("headers of exactly the limit are read; one byte more is refused", async () => {
    expect(await readerOf(`${PART}x`, [7]).through("\r\n\r\n", PART.length)).toBe(PART);
    await expect(readerOf(`x${PART}`, [7]).through("\r\n\r\n", PART.length)).rejects.toThrow(`multipart headers longer than ${PART.length} bytes`);
  });

  test("a body that ends inside the headers is refused", async () => {
    await expect(readerOf(PART.slice(0, 20), [8]).through("\r\n\r\n", 1024)).rejects.toThrow("cut short in a part's headers");
  });
});

describe("ByteReader.exactly", () => {
  test("pieces spanning network chunks come out whole, each valid until the next read", async () => {
    const body = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
    const reader = readerOf(body, [7, 100, 3]);
    const seen: number[] = [];
    for (const count of [5, 50, 120, 1, 124]) seen.push(...(await reader.exactly(count)));
    expect(seen).toEqual([...body]);
    await expect(reader.exactly(1)).rejects.toThrow("cut short");
  });
});

describe("ByteReader.parts", () => {
  test("bytes spanning network chunks come as views of them, in order, and the read goes on after them", async () => {
    const body = Uint8Array.from({ length: 100 }, (_, i) => i);
    const reader = readerOf(body, [7]);
    await reader.skip(3);
    const parts = await reader.parts(20);
    expect(parts.map((part) => part.length)).toEqual([4, 7, 7, 2]);
    expect(parts.flatMap((part) => [...part])).toEqual(Array.from({ length: 20 }, (_, i) => i + 3));
    expect([...(await reader.exactly(2))]).toEqual([23, 24]);
  });
  test("a body that ends first is refused", async () => {
    await expect(readerOf(new Uint8Array(10), [4]).parts(11)).rejects.toThrow("xorb data cut short (10 of 11 bytes)");
  });
});
