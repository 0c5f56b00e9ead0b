import { closeSync, fstatSync, lstatSync, openSync, readdirSync, readFileSync, readlinkSync, readSync, statSync } from "node:fs";
import { isatty } from "node:tty";
import { basename, dirname, join } from "node:path";
import { closestMatch, ConfigurationError, messageOf } from "../errors.ts";

/**
 * The text of a configuration file. Each way of failing says so plainly:
 * not found, a directory, unreadable, not UTF-8, empty.
 */
export function readConfigText(absolutePath: string, shownAs: string): string {
  let bytes: Uint8Array;
  try {
    bytes = readAtMost(absolutePath, MAX_CONFIG_BYTES);
  } catch (error) {
    throw unreadable(readFailure(error, absolutePath, shownAs), shownAs);
  }
  return configText(bytes, shownAs);
}

/**
 * readConfigText for the command: a fifo, socket or terminal (`-c /dev/stdin`) is read without
 * blocking, so that Ctrl-C or SIGTERM (`signal`) still stops a run waiting on one nobody writes.
 */
export async function readConfigTextWaiting(absolutePath: string, shownAs: string, signal: AbortSignal): Promise<string> {
  if (!waitsForAWriter(absolutePath)) return readConfigText(absolutePath, shownAs);
  let bytes: Uint8Array;
  try {
    bytes = await streamAtMost(absolutePath, MAX_CONFIG_BYTES, signal);
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    throw unreadable(readFailure(error, absolutePath, shownAs), shownAs);
  }
  return configText(bytes, shownAs);
}

function unreadable(message: string, shownAs: string): ConfigurationError {
  return new ConfigurationError(shownAs, [{ path: "", message }]);
}

/** The text of a configuration's bytes, refused when too large, not UTF-8, empty or only whitespace. */
function configText(bytes: Uint8Array, shownAs: string): string {
  const fail = (message: string): never => {
    throw unreadable(message, shownAs);
  };
  if (bytes.byteLength > MAX_CONFIG_BYTES) return fail(`is larger than ${MAX_CONFIG_BYTES >> 20} MiB, too large for a configuration (is it the file you meant?)`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    // Notepad's "Unicode": every character two bytes, after a byte order mark.
    const utf16 = (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);
    return fail(`is not UTF-8 text: ${utf16 ? "it is UTF-16 (it starts with a UTF-16 byte order mark)" : describeFirstInvalidByte(bytes)}; save it as UTF-8`);
  }
  if (text.length === 0) return fail("the file is empty");
  if (text.trim() === "") return fail("the file contains only whitespace");
  return text;
}

/**
 * A fifo or socket (a pipe as /dev/stdin), or a terminal: opening or reading it waits for someone.
 * Other devices (/dev/zero) cannot be polled, so they are read as files are.
 */
function waitsForAWriter(path: string): boolean {
  let stats: ReturnType<typeof statSync>;
  try {
    stats = statSync(path, { throwIfNoEntry: false });
  } catch {
    return false; // the synchronous read says why
  }
  if (!stats) return false;
  if (stats.isFIFO() || stats.isSocket()) return true;
  if (!stats.isCharacterDevice()) return false;
  try {
    const fd = openSync(path, "r");
    try {
      return isatty(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    return false; // the synchronous read says why
  }
}

/** As readAtMost, from a stream the event loop waits on; given up (rejected) when `signal` aborts. */
async function streamAtMost(path: string, limit: number, signal: AbortSignal): Promise<Uint8Array> {
  signal.throwIfAborted();
  const reader = Bun.file(path).stream().getReader();
  const stop = () => void reader.cancel().catch(() => {});
  signal.addEventListener("abort", stop, { once: true });
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    while (total <= limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.byteLength;
    }
  } finally {
    signal.removeEventListener("abort", stop);
    stop();
  }
  signal.throwIfAborted();
  return Buffer.concat(chunks);
}

/**
 * 20,000 models take about 2 MB of YAML. The bound keeps `-c model.safetensors` (gigabytes) or
 * `-c /dev/zero` from reading until memory runs out.
 */
const MAX_CONFIG_BYTES = 16 << 20;

/** The file's bytes, or at least `limit` + 1 of them when it is larger (also a pipe or device, whose size stat cannot tell). */
function readAtMost(path: string, limit: number): Uint8Array {
  const fd = openSync(path, "r");
  try {
    const stats = fstatSync(fd);
    if (stats.isDirectory()) throw Object.assign(new Error("is a directory"), { code: "EISDIR" });
    if (stats.isFile() && stats.size > limit) return new Uint8Array(limit + 1);
    if (stats.isFile()) return readFileSync(fd);
    const chunks: Uint8Array[] = [];
    let total = 0;
    while (total <= limit) {
      const chunk = new Uint8Array(1 << 16);
      const read = readSync(fd, chunk, 0, chunk.byteLength, null);
      if (read === 0) break;
      chunks.push(chunk.subarray(0, read));
      total += read;
    }
    return Buffer.concat(chunks);
  } finally {
    closeSync(fd);
  }
}

/** ` (did you mean "models.yaml"?)` when a YAML file beside the missing one has a close name: `-c modles.yaml`, `models.yml`. */
function nearbyConfigHint(absolutePath: string, shownAs: string): string {
  let names: string[];
  try {
    names = readdirSync(dirname(absolutePath)).filter((name) => /\.ya?ml$/i.test(name));
  } catch {
    return "";
  }
  const hint = closestMatch(basename(absolutePath), names.filter((name) => name !== basename(absolutePath)));
  // Quoted: a path right before "?" would read as a URL's query, which log lines shorten.
  return hint ? ` (did you mean ${JSON.stringify(join(dirname(shownAs), hint))}?)` : "";
}

function readFailure(error: unknown, absolutePath: string, shownAs: string): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case "ENOENT": {
      const link = lstatSync(absolutePath, { throwIfNoEntry: false })?.isSymbolicLink() ? readlinkSync(absolutePath) : undefined;
      return link === undefined ? `file not found${nearbyConfigHint(absolutePath, shownAs)}` : `file not found: it is a symlink to ${link}, which does not exist`;
    }
    case "ENOTDIR":
      return "file not found (part of the path is a file, not a folder)";
    case "EISDIR":
      return "is a directory, not a configuration file";
    case "EACCES":
    case "EPERM":
      return "cannot be read: permission denied";
    case "ELOOP":
      return "cannot be read: it is (or is inside) a symlink loop";
    case "ENAMETOOLONG":
      return "cannot be read: the path is too long for the filesystem";
    default:
      return `cannot be read: ${messageOf(error)}`;
  }
}

/** "line 3, column 12 has the byte 0xE9": where a Latin-1 "é" or a binary file shows itself first. */
function describeFirstInvalidByte(bytes: Uint8Array): string {
  const offset = firstInvalidUtf8(bytes);
  let line = 1;
  let lineStart = 0;
  for (let index = 0; index < offset; index++) {
    if (bytes[index] === 0x0a) {
      line++;
      lineStart = index + 1;
    }
  }
  // Columns count characters, as the YAML positions do; the bytes before it on its line are valid UTF-8.
  const column = new TextDecoder().decode(bytes.subarray(lineStart, offset)).length + 1;
  return `line ${line}, column ${column} has the byte 0x${(bytes[offset] ?? 0).toString(16).toUpperCase().padStart(2, "0")}`;
}

function firstInvalidUtf8(bytes: Uint8Array): number {
  const validAsPrefix = (length: number): boolean => {
    try {
      // stream: an unfinished sequence at the end is not an error yet.
      new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, length), { stream: true });
      return true;
    } catch {
      return false;
    }
  };
  // The longest prefix that could still be valid, found by halves: decoding is native, so large files stay fast.
  let low = 0;
  let high = bytes.length;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (validAsPrefix(middle)) low = middle;
    else high = middle - 1;
  }
  // A lead byte whose sequence the next byte breaks ("\xE9" then "x") is where the problem is.
  let start = low;
  while (start > 0 && low - start < 3 && (bytes[start - 1]! & 0xc0) === 0x80) start--;
  if (start > 0 && low - start < 4 && bytes[start - 1]! >= 0xc0) return start - 1;
  return low;
}
