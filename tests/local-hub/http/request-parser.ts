/** Incremental HTTP/1.1 request parser for the raw-TCP server (requests only; bodies by Content-Length or chunked). */

export interface IncomingRequest {
  readonly method: string;
  /** The request target as sent: path and query, still percent-encoded. */
  readonly target: string;
  readonly httpVersion: "1.0" | "1.1";
  /** Lower-case names; repeated headers joined with ", ". */
  readonly headers: ReadonlyMap<string, string>;
  readonly body: Uint8Array;
}

export class HttpParseError extends Error {
  constructor(
    readonly status: 400 | 413 | 431 | 501 | 505,
    message: string,
  ) {
    super(message);
  }
}

const MAX_HEAD_BYTES = 64 * 1024;
const MAX_BODY_BYTES = 16 << 20;
const HEAD_END = Buffer.from("\r\n\r\n");
const CRLF = Buffer.from("\r\n");

interface ParsedHead {
  readonly method: string;
  readonly target: string;
  readonly httpVersion: "1.0" | "1.1";
  readonly headers: Map<string, string>;
  readonly bodyStart: number;
}

export class RequestParser {
  private buffer: Buffer = Buffer.alloc(0);
  private head: ParsedHead | undefined;

  push(data: Uint8Array): void {
    this.buffer = this.buffer.byteLength === 0 ? Buffer.from(data) : Buffer.concat([this.buffer, data]);
  }

  /** True when a request head has arrived, it asks for `100-continue` and its body is still missing. */
  get awaitsContinue(): boolean {
    return this.head?.headers.get("expect")?.toLowerCase() === "100-continue" && this.buffer.byteLength === this.head.bodyStart;
  }

  /** The next complete request, or undefined until more bytes arrive. Throws HttpParseError. */
  next(): IncomingRequest | undefined {
    this.head ??= this.parseHead();
    if (!this.head) return undefined;
    const body = this.parseBody(this.head);
    if (!body) return undefined;
    const { method, target, httpVersion, headers } = this.head;
    this.buffer = this.buffer.subarray(body.end);
    this.head = undefined;
    return { method, target, httpVersion, headers, body: body.bytes };
  }

  private parseHead(): ParsedHead | undefined {
    // Tolerate the stray CRLF some clients send between requests (RFC 9112 §2.2).
    while (this.buffer.subarray(0, 2).equals(CRLF)) this.buffer = this.buffer.subarray(2);
    const end = this.buffer.indexOf(HEAD_END);
    if (end < 0) {
      if (this.buffer.byteLength > MAX_HEAD_BYTES) throw new HttpParseError(431, "request head too large");
      return undefined;
    }
    const lines = this.buffer.subarray(0, end).toString("latin1").split("\r\n");
    const requestLine = /^([A-Z]+) (\S+) HTTP\/(1\.[01])$/.exec(lines[0]!);
    if (!requestLine) throw new HttpParseError(400, `malformed request line ${JSON.stringify(lines[0])}`);
    const headers = new Map<string, string>();
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(":");
      if (colon <= 0) throw new HttpParseError(400, `malformed header line ${JSON.stringify(line)}`);
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      const previous = headers.get(name);
      headers.set(name, previous === undefined ? value : `${previous}, ${value}`);
    }
    return {
      method: requestLine[1]!,
      target: requestLine[2]!,
      httpVersion: requestLine[3] as "1.0" | "1.1",
      headers,
      bodyStart: end + HEAD_END.byteLength,
    };
  }

  private parseBody(head: ParsedHead): { bytes: Uint8Array; end: number } | undefined {
    const transferEncoding = head.headers.get("transfer-encoding")?.toLowerCase();
    if (transferEncoding !== undefined) {
      if (transferEncoding !== "chunked") throw new HttpParseError(501, `unsupported transfer-encoding ${transferEncoding}`);
      return this.parseChunkedBody(head.bodyStart);
    }
    const lengthHeader = head.headers.get("content-length") ?? "0";
    if (!/^\d+$/.test(lengthHeader)) throw new HttpParseError(400, `invalid content-length ${lengthHeader}`);
    const length = Number(lengthHeader);
    if (length > MAX_BODY_BYTES) throw new HttpParseError(413, "request body too large");
    const end = head.bodyStart + length;
    if (this.buffer.byteLength < end) return undefined;
    return { bytes: this.buffer.subarray(head.bodyStart, end), end };
  }

  private parseChunkedBody(start: number): { bytes: Uint8Array; end: number } | undefined {
    const chunks: Buffer[] = [];
    let total = 0;
    let position = start;
    for (;;) {
      const lineEnd = this.buffer.indexOf(CRLF, position);
      if (lineEnd < 0) return undefined;
      const sizeText = this.buffer.subarray(position, lineEnd).toString("latin1").split(";")[0]!.trim();
      if (!/^[0-9a-fA-F]+$/.test(sizeText)) throw new HttpParseError(400, `invalid chunk size ${sizeText}`);
      const size = parseInt(sizeText, 16);
      total += size;
      if (total > MAX_BODY_BYTES) throw new HttpParseError(413, "request body too large");
      position = lineEnd + 2;
      if (size === 0) {
        // Skip trailers up to the empty line that ends the message.
        const trailerEnd = this.buffer.indexOf(CRLF, position);
        if (trailerEnd < 0) return undefined;
        if (trailerEnd === position) return { bytes: Buffer.concat(chunks), end: position + 2 };
        const end = this.buffer.indexOf(HEAD_END, position);
        return end < 0 ? undefined : { bytes: Buffer.concat(chunks), end: end + HEAD_END.byteLength };
      }
      if (this.buffer.byteLength < position + size + 2) return undefined;
      chunks.push(this.buffer.subarray(position, position + size));
      position += size + 2;
    }
  }
}
