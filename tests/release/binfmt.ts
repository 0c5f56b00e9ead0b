/**
 * Just enough of the ELF, Mach-O and PE headers to tell what a release binary is
 * and what it needs at load time, without `file` or `readelf`.
 */

export type BinaryInfo =
  | { format: "elf"; machine: "x86-64" | "aarch64" | "other"; interp?: string; needed: string[] }
  | { format: "macho"; cpu: "x86_64" | "arm64" | "other" }
  | { format: "pe"; machine: "x64" | "arm64" | "other"; pe32plus: boolean }
  | { format: "unknown" };

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const DT_NEEDED = 1;
const DT_STRTAB = 5;

function cString(bytes: Uint8Array, offset: number): string {
  const end = bytes.indexOf(0, offset);
  return new TextDecoder().decode(bytes.subarray(offset, end < 0 ? undefined : end));
}

function parseElf(bytes: Uint8Array, view: DataView): BinaryInfo {
  // Only 64-bit little-endian ELF is shipped.
  if (bytes[4] !== 2 || bytes[5] !== 1) return { format: "unknown" };
  const machineCode = view.getUint16(0x12, true);
  const machine = machineCode === 0x3e ? "x86-64" : machineCode === 0xb7 ? "aarch64" : "other";
  const phoff = Number(view.getBigUint64(0x20, true));
  const phentsize = view.getUint16(0x36, true);
  const phnum = view.getUint16(0x38, true);

  const segments = Array.from({ length: phnum }, (_, i) => {
    const at = phoff + i * phentsize;
    return {
      type: view.getUint32(at, true),
      offset: Number(view.getBigUint64(at + 8, true)),
      vaddr: Number(view.getBigUint64(at + 16, true)),
      filesz: Number(view.getBigUint64(at + 32, true)),
    };
  });
  const fileOffset = (vaddr: number) => {
    const load = segments.find((s) => s.type === PT_LOAD && vaddr >= s.vaddr && vaddr < s.vaddr + s.filesz);
    if (!load) throw new Error(`ELF address 0x${vaddr.toString(16)} is in no PT_LOAD segment`);
    return vaddr - load.vaddr + load.offset;
  };

  const interpSegment = segments.find((s) => s.type === PT_INTERP);
  const interp = interpSegment ? cString(bytes, interpSegment.offset) : undefined;

  const needed: string[] = [];
  const dynamic = segments.find((s) => s.type === PT_DYNAMIC);
  if (dynamic) {
    const entries: [number, number][] = [];
    for (let at = dynamic.offset; at < dynamic.offset + dynamic.filesz; at += 16) {
      const tag = Number(view.getBigInt64(at, true));
      if (tag === 0) break;
      entries.push([tag, Number(view.getBigUint64(at + 8, true))]);
    }
    const strtab = entries.find(([tag]) => tag === DT_STRTAB);
    if (strtab) {
      const base = fileOffset(strtab[1]);
      for (const [tag, value] of entries) if (tag === DT_NEEDED) needed.push(cString(bytes, base + value));
    }
  }
  return { format: "elf", machine, ...(interp === undefined ? {} : { interp }), needed };
}

function parseMachO(view: DataView): BinaryInfo {
  const cpuType = view.getUint32(4, true);
  const cpu = cpuType === 0x01000007 ? "x86_64" : cpuType === 0x0100000c ? "arm64" : "other";
  return { format: "macho", cpu };
}

function parsePe(view: DataView): BinaryInfo {
  const peOffset = view.getUint32(0x3c, true);
  if (view.getUint32(peOffset, true) !== 0x00004550) return { format: "unknown" }; // "PE\0\0"
  const machineCode = view.getUint16(peOffset + 4, true);
  const machine = machineCode === 0x8664 ? "x64" : machineCode === 0xaa64 ? "arm64" : "other";
  const pe32plus = view.getUint16(peOffset + 24, true) === 0x20b;
  return { format: "pe", machine, pe32plus };
}

export function parseBinary(bytes: Uint8Array): BinaryInfo {
  if (bytes.length < 64) return { format: "unknown" };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, false) === 0x7f454c46) return parseElf(bytes, view);
  if (view.getUint32(0, true) === 0xfeedfacf) return parseMachO(view); // MH_MAGIC_64
  if (bytes[0] === 0x4d && bytes[1] === 0x5a) return parsePe(view); // "MZ"
  return { format: "unknown" };
}

export async function inspectBinary(path: string): Promise<BinaryInfo> {
  return parseBinary(await Bun.file(path).bytes());
}
