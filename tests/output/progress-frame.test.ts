import { describe, expect, test } from "bun:test";
import { fitMiddle, progressFrame } from "../../src/output/progress-frame.ts";

const total = { done: 10, planned: 100, detail: "10 B / 100 B" };
const file = (modelId: string, path: string, size: number, bytes: number) => ({ modelId, path, size, bytes });

describe("the live progress frame", () => {
  test("all files fit: one line per file with its model id, then the total", () => {
    const lines = progressFrame([file("a", "model.safetensors", 100, 50), file("b", "model.safetensors", 100, 0)], total, { rows: 24, columns: 80 });
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/ 50% a: model\.safetensors {2}100 B$/);
    expect(lines[1]).toMatch(/ {2}0% b: model\.safetensors {2}100 B$/);
    expect(lines[2]).toContain(" total  10 B / 100 B");
  });

  test("too many files: the busiest fit above '… and K more files' and the total, one row left for the cursor", () => {
    const files = Array.from({ length: 30 }, (_, index) => file("m", `f${index}`, 100 + index, 0));
    const lines = progressFrame(files, total, { rows: 12, columns: 100 });
    expect(lines).toHaveLength(11);
    // The nine with most bytes left (the largest here), in the order they started.
    expect(lines.slice(0, 9).map((line) => line.match(/m: (f\d+)/)?.[1])).toEqual(["f21", "f22", "f23", "f24", "f25", "f26", "f27", "f28", "f29"]);
    expect(lines[9]).toBe("… and 21 more files");
  });

  test("every line fits the width, long paths lose their middle", () => {
    const lines = progressFrame([file("model-with-a-long-id", `deep/${"x".repeat(200)}/model.safetensors`, 100, 1)], { ...total, detail: "y".repeat(300) }, { rows: 5, columns: 80 });
    for (const line of lines) expect(Bun.stringWidth(line)).toBeLessThanOrEqual(79);
    expect(lines[0]).toContain("model-with-a-long-id: deep/");
    expect(lines[0]).toContain("…");
    expect(lines[0]).toMatch(/safetensors {2}100 B$/);
  });

  test("a tiny terminal still gets the total line", () => {
    expect(progressFrame([file("m", "a", 1, 0), file("m", "b", 1, 0)], total, { rows: 2, columns: 40 })).toHaveLength(1);
  });

  test("fitMiddle keeps both ends", () => {
    expect(fitMiddle("abcdefghij", 5)).toBe("ab…ij");
    expect(fitMiddle("short", 10)).toBe("short");
  });

  test("fitMiddle puts the … where the text was cut, and the end (the extension) keeps the larger half", () => {
    expect(fitMiddle("abcdefghijklmnopq", 8)).toBe("abc…nopq");
    expect(fitMiddle("model.safetensors", 8)).toBe("mod…sors");
    expect(fitMiddle("onnx/model.onnx", 8)).toBe("onn…onnx");
    expect(fitMiddle("日本語モデルのファイル.bin", 8)).toBe("日本…bin");
  });

  test("a narrow terminal: the bar shrinks, then gives way, so the percentage, the model and the file stay readable", () => {
    const files = [file("qwen", "model.safetensors", 1000, 440)];
    const at = (columns: number) => progressFrame(files, total, { rows: 10, columns });
    expect(at(80)[0]).toMatch(/^[█░]{20} {2}44% qwen: model\.safetensors {2}1000 B$/);
    expect(at(45)[0]).toMatch(/^[█░]{10} {2}44% qwen: model\.…tensors {2}1000 B$/);
    // The size goes before the file's name does.
    expect(at(30)).toEqual([" 44% qwen: model.safetensors", " 10% total  10 B / 100 B"]);
    expect(at(20)).toEqual([" 44% qwen: mod…sors", " 10% total  10 B /…"]);
    for (const columns of [12, 20, 30, 45, 80]) for (const line of at(columns)) expect(Bun.stringWidth(line)).toBeLessThan(columns);
  });
});
