import { XorbFormatError } from "./xorb-chunks.ts";

/**
 * Reads a response body in exact pieces as it arrives, holding at most one network chunk and the
 * piece asked for: a piece inside one network chunk is a view of it, one spanning several is copied
 * into a buffer the reader reuses. Either is valid until the next read. Refuses a body that grows
 * past `limit` bytes.
 */
export class ByteReader {
  private current: Uint8Array = new Uint8Array(0);
  /** Where pieces spanning network chunks are assembled: grown to the largest asked, never reallocated per piece. */
  private spanning: Uint8Array = new Uint8Array(0);
  private at = 0;
  private total = 0;

  constructor(
    private readonly reader: { read(): Promise<{ done: boolean; value?: Uint8Array }> },
    private readonly limit: number,
    private readonly onChunk: () => void,
    private readonly tooLarge: () => Error,
  ) {}

  /** Body bytes received so far. */
  get received(): number {
    return this.total;
  }

  /** `count` bytes when they are already here (a view), without a promise; else undefined. */
  buffered(count: number): Uint8Array | undefined {
    if (this.current.length - this.at < count) return undefined;
    const view = this.current.subarray(this.at, this.at + count);
    this.at += count;
    return view;
  }

  /** Exactly `count` bytes, valid until the next read; throws when the body ends first. */
  async exactly(count: number): Promise<Uint8Array> {
    const here = this.buffered(count);
    if (here) return here;
    const parts = await this.parts(count);
    if (this.spanning.length < count) this.spanning = new Uint8Array(count);
    const out = this.spanning.subarray(0, count);
    let filled = 0;
    for (const part of parts) {
      out.set(part, filled);
      filled += part.length;
    }
    return out;
  }

  /**
   * Exactly `count` bytes as views of the network chunks that hold them, in order: no copy, and
   * nothing kept by the reader (each network chunk is a buffer of its own). Throws when the body ends first.
   */
  async parts(count: number): Promise<Uint8Array[]> {
    const parts: Uint8Array[] = [];
    for (let left = count; left > 0; ) {
      if (this.at === this.current.length && !(await this.pull())) throw new XorbFormatError(`xorb data cut short (${count - left} of ${count} bytes)`);
      const take = Math.min(left, this.current.length - this.at);
      parts.push(this.current.subarray(this.at, this.at + take));
      this.at += take;
      left -= take;
    }
    return parts;
  }

  async skip(count: number): Promise<void> {
    for (let left = count; left > 0; ) {
      if (this.at === this.current.length && !(await this.pull())) throw new XorbFormatError("xorb data cut short");
      const take = Math.min(left, this.current.length - this.at);
      this.at += take;
      left -= take;
    }
  }

  /** The bytes up to and including `delimiter`, at most `max` of them (multipart part headers). */
  async through(delimiter: string, max: number): Promise<string> {
    let text = "";
    for (;;) {
      if (this.at === this.current.length && !(await this.pull())) throw new XorbFormatError("multipart answer cut short in a part's headers");
      const take = Math.min(this.current.length - this.at, max - text.length);
      const searchFrom = Math.max(0, text.length - delimiter.length + 1);
      text += Buffer.from(this.current.buffer, this.current.byteOffset + this.at, take).toString("latin1");
      const found = text.indexOf(delimiter, searchFrom);
      if (found >= 0) {
        const end = found + delimiter.length;
        this.at += take - (text.length - end);
        return text.slice(0, end);
      }
      this.at += take;
      if (text.length >= max) throw new XorbFormatError(`multipart headers longer than ${max} bytes`);
    }
  }

  /** What is left of the body, which must be at most `max` bytes (a multipart epilogue). */
  async rest(max: number): Promise<number> {
    let left = this.current.length - this.at;
    for (;;) {
      this.at = this.current.length;
      const more = await this.pull();
      if (more) left += this.current.length;
      if (left > max) throw new XorbFormatError(`${left} bytes after the last range asked`);
      if (!more) return left;
    }
  }

  private async pull(): Promise<boolean> {
    const { done, value } = await this.reader.read();
    if (done || !value) return false;
    this.onChunk();
    this.total += value.byteLength;
    if (this.total > this.limit) throw this.tooLarge();
    this.current = value;
    this.at = 0;
    return true;
  }
}
