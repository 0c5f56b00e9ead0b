/**
 * A small HTTP/1.1 server on raw TCP (`Bun.listen`). Bun.serve drops Content-Length from streamed
 * bodies (bun-notes §5), but a faulty or throttled download must still announce its full length,
 * as the real CDN does, so the server writes its own response heads and paces its own bodies.
 */
import { type BodyBytes, bytesIn } from "./body.ts";
import { HttpParseError, type IncomingRequest, RequestParser } from "./request-parser.ts";

export type { IncomingRequest } from "./request-parser.ts";

export type CutMode = "drop" | "truncate" | "stall";

export interface BodyCut {
  /** Body bytes sent before the cut. */
  readonly afterBytes: number;
  /** drop: reset the connection (RST); truncate: close it cleanly (FIN); stall: send nothing more, keep it open. */
  readonly mode: CutMode;
  /** stall only: carry on after this long; default never. */
  readonly resumeAfterMs?: number;
}

export interface Delivery {
  /** Wait before the response head. */
  readonly latencyMs?: number;
  readonly bytesPerSecond?: number;
  readonly cut?: BodyCut;
  /** Body offsets whose byte is inverted on the way out. */
  readonly corruptOffsets?: readonly number[];
  /** Reset the connection instead of answering. */
  readonly resetBeforeHead?: boolean;
}

export type ResponseOutcome = "complete" | "dropped" | "truncated" | "stalled" | "closed-by-client";

export interface ResponseObserver {
  headSent?(): void;
  bodyBytes?(count: number): void;
  settled?(outcome: ResponseOutcome): void;
}

export interface OutgoingResponse {
  readonly status: number;
  /** Content-Length, Date and Connection are added by the server. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** For HEAD, only its length is sent (as Content-Length). */
  readonly body?: BodyBytes;
  readonly delivery?: Delivery;
  readonly observer?: ResponseObserver;
}

export interface RequestContext {
  readonly remoteAddress: string;
}

export type RequestHandler = (request: IncomingRequest, context: RequestContext) => OutgoingResponse | Promise<OutgoingResponse>;

export interface HttpListener {
  readonly port: number;
  stop(): void;
}

export interface ListenOptions {
  readonly hostname: string;
  readonly port: number;
  readonly handler: RequestHandler;
  /** Also listen on these addresses, same port, when they can be bound (e.g. "::1" for "localhost"). */
  readonly alsoOn?: readonly string[];
}

const REASONS: Record<number, string> = {
  100: "Continue",
  200: "OK",
  206: "Partial Content",
  302: "Found",
  307: "Temporary Redirect",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  413: "Payload Too Large",
  416: "Range Not Satisfiable",
  429: "Too Many Requests",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  501: "Not Implemented",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
  505: "HTTP Version Not Supported",
};

/** Writes of this size keep a 2 GiB body above 2 GiB/s on loopback while bounding each syscall. */
const MAX_WRITE = 1 << 20;
/** Bodies up to this size go out in the same write as the head. */
const COALESCE_LIMIT = 64 * 1024;
const CONTINUE = Buffer.from("HTTP/1.1 100 Continue\r\n\r\n");
const CUT_GRACE_MS = 50;

type Socket = Bun.Socket<HttpConnection>;

export function listenHttp(options: ListenOptions): HttpListener {
  const connections = new Set<HttpConnection>();
  const handlers: Bun.SocketHandler<HttpConnection> = {
    open(socket) {
      socket.data = new HttpConnection(socket, options.handler, connections);
      connections.add(socket.data);
    },
    data(socket, data) {
      socket.data.receive(data);
    },
    drain(socket) {
      socket.data.drain();
    },
    close(socket) {
      socket.data?.closed();
    },
    error(socket) {
      socket.data?.closed();
    },
  };
  const primary = Bun.listen<HttpConnection>({ hostname: options.hostname, port: options.port, socket: handlers });
  const listeners = [primary];
  for (const hostname of options.alsoOn ?? []) {
    try {
      listeners.push(Bun.listen<HttpConnection>({ hostname, port: primary.port, socket: handlers }));
    } catch {
      // That address family is unavailable here; the primary address still serves.
    }
  }
  return {
    port: primary.port,
    stop() {
      for (const listener of listeners) listener.stop(true);
      for (const connection of connections) connection.terminate();
    },
  };
}

class HttpConnection {
  private readonly parser = new RequestParser();
  private busy = false;
  private isClosed = false;
  private continueSent = false;
  private writer: ResponseWriter | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly handler: RequestHandler,
    private readonly registry: Set<HttpConnection>,
  ) {}

  receive(data: Uint8Array): void {
    this.parser.push(data);
    this.processNext();
  }

  drain(): void {
    this.writer?.pump();
  }

  closed(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.registry.delete(this);
    this.writer?.abandon();
  }

  terminate(): void {
    this.socket.terminate();
    this.closed();
  }

  private processNext(): void {
    if (this.busy || this.isClosed) return;
    let request: IncomingRequest | undefined;
    try {
      request = this.parser.next();
    } catch (error) {
      const status = error instanceof HttpParseError ? error.status : 400;
      this.busy = true;
      this.respond({ status, headers: [["Content-Type", "text/plain"]], body: Buffer.from(`${String(error)}\n`) }, "GET", false);
      return;
    }
    if (!request) {
      if (this.parser.awaitsContinue && !this.continueSent) {
        this.continueSent = true;
        this.socket.write(CONTINUE);
      }
      return;
    }
    this.continueSent = false;
    this.busy = true;
    void this.handle(request);
  }

  private async handle(request: IncomingRequest): Promise<void> {
    let response: OutgoingResponse;
    try {
      response = await this.handler(request, { remoteAddress: this.socket.remoteAddress });
    } catch (error) {
      console.error("local hub: handler failed:", error);
      response = { status: 500, headers: [["Content-Type", "text/plain"]], body: Buffer.from(`${String(error)}\n`) };
    }
    if (this.isClosed) {
      response.observer?.settled?.("closed-by-client");
      return;
    }
    this.respond(response, request.method, wantsKeepAlive(request));
  }

  private respond(response: OutgoingResponse, method: string, keepAlive: boolean): void {
    this.writer = new ResponseWriter(this.socket, response, method === "HEAD", keepAlive, (reusable) => {
      this.writer = undefined;
      this.busy = false;
      if (!reusable) {
        this.socket.end();
        return;
      }
      this.processNext();
    });
    this.writer.start();
  }
}

function wantsKeepAlive(request: IncomingRequest): boolean {
  const connection = request.headers.get("connection")?.toLowerCase() ?? "";
  return request.httpVersion === "1.1" ? !connection.includes("close") : connection.includes("keep-alive");
}

class ResponseWriter {
  private prefix: Uint8Array;
  private prefixSent = 0;
  private readonly body: BodyBytes;
  private readonly bodyInPrefix: number;
  private limit: number;
  private sent = 0;
  private paceStart = 0;
  private timer: Timer | undefined;
  private state: "waiting" | "writing" | "stalled" | "cutting" | "done" = "waiting";

  constructor(
    private readonly socket: Socket,
    private readonly response: OutgoingResponse,
    omitBody: boolean,
    private readonly keepAlive: boolean,
    private readonly onDone: (reusable: boolean) => void,
  ) {
    const fullBody = response.body ?? new Uint8Array(0);
    this.body = omitBody ? new Uint8Array(0) : fullBody;
    const head = Buffer.from(renderHead(response, fullBody.byteLength, keepAlive), "latin1");
    const delivery = response.delivery ?? {};
    const plain = !delivery.bytesPerSecond && !delivery.cut && !delivery.corruptOffsets?.length;
    this.bodyInPrefix = plain && this.body.byteLength <= COALESCE_LIMIT ? this.body.byteLength : 0;
    this.prefix = this.bodyInPrefix > 0 ? Buffer.concat([head, bytesIn(this.body)]) : head;
    this.limit = Math.min(this.body.byteLength, delivery.cut?.afterBytes ?? Number.POSITIVE_INFINITY);
  }

  start(): void {
    const latency = this.response.delivery?.latencyMs ?? 0;
    if (latency > 0) {
      this.timer = setTimeout(() => this.begin(), latency);
    } else {
      this.begin();
    }
  }

  private begin(): void {
    this.timer = undefined;
    if (this.response.delivery?.resetBeforeHead) {
      this.finish("dropped", false);
      return;
    }
    this.state = "writing";
    this.pump();
  }

  pump(): void {
    if (this.state !== "writing") return;
    if (!this.writePrefix()) return;
    while (this.sent < this.limit) {
      const end = this.nextChunkEnd();
      if (end === undefined) return;
      const chunk = this.corrupted(this.sent, end);
      const written = this.socket.write(chunk);
      if (written < 0) return;
      this.sent += written;
      this.response.observer?.bodyBytes?.(written);
      if (written < chunk.byteLength) return;
    }
    this.reachedLimit();
  }

  abandon(): void {
    clearTimeout(this.timer);
    if (this.state === "done") return;
    const outcome = this.state === "stalled" ? "stalled" : this.state === "cutting" ? this.cutOutcome() : "closed-by-client";
    this.state = "done";
    this.response.observer?.settled?.(outcome);
  }

  /** True once head (and coalesced body) are fully in the socket. */
  private writePrefix(): boolean {
    if (this.prefixSent === this.prefix.byteLength) return true;
    const written = this.socket.write(this.prefix, this.prefixSent);
    if (written < 0) return false;
    const headWasPending = this.prefixSent === 0;
    this.prefixSent += written;
    if (headWasPending && written > 0) this.response.observer?.headSent?.();
    if (this.prefixSent < this.prefix.byteLength) return false;
    if (this.bodyInPrefix > 0) {
      this.sent = this.bodyInPrefix;
      this.response.observer?.bodyBytes?.(this.bodyInPrefix);
    }
    this.paceStart = performance.now();
    return true;
  }

  /** End of the next chunk to write, or undefined when the pace says wait (a timer is then set). */
  private nextChunkEnd(): number | undefined {
    const end = Math.min(this.limit, this.sent + MAX_WRITE);
    const rate = this.response.delivery?.bytesPerSecond;
    if (!rate) return end;
    // Allowance from absolute elapsed time, so timer lateness never accumulates into drift.
    const quantum = Math.min(256 * 1024, Math.max(1024, Math.floor(rate / 50)));
    const elapsedMs = performance.now() - this.paceStart;
    const allowed = quantum + Math.floor((rate * elapsedMs) / 1000);
    const wanted = Math.min(quantum, this.limit - this.sent);
    if (allowed >= this.sent + wanted) return Math.min(end, allowed);
    const readyAtMs = ((this.sent + wanted - quantum) * 1000) / rate;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, Math.max(1, Math.ceil(readyAtMs - elapsedMs)));
    return undefined;
  }

  private corrupted(start: number, end: number): Uint8Array {
    const slice = bytesIn(this.body, start, end);
    const offsets = this.response.delivery?.corruptOffsets?.filter((offset) => offset >= start && offset < end);
    if (!offsets?.length) return slice;
    const copy = Uint8Array.from(slice);
    for (const offset of offsets) copy[offset - start] = copy[offset - start]! ^ 0xff;
    return copy;
  }

  private reachedLimit(): void {
    if (this.limit >= this.body.byteLength) {
      this.finish("complete", this.keepAlive);
      return;
    }
    const cut = this.response.delivery!.cut!;
    if (cut.mode === "stall") {
      this.state = "stalled";
      if (cut.resumeAfterMs !== undefined) {
        this.timer = setTimeout(() => {
          this.limit = this.body.byteLength;
          this.state = "writing";
          this.pump();
        }, cut.resumeAfterMs);
      }
      return;
    }
    // Close a moment after the last byte rather than with it: clients that discard unread data when
    // the connection ends (Bun's fetch, or any reader on an RST) then still see all N bytes first.
    this.state = "cutting";
    this.timer = setTimeout(() => this.finish(this.cutOutcome(), false), CUT_GRACE_MS);
  }

  private cutOutcome(): ResponseOutcome {
    return this.response.delivery?.cut?.mode === "drop" ? "dropped" : "truncated";
  }

  private finish(outcome: ResponseOutcome, reusable: boolean): void {
    this.state = "done";
    this.response.observer?.settled?.(outcome);
    if (outcome === "dropped") this.socket.terminate();
    this.onDone(reusable);
  }
}

function renderHead(response: OutgoingResponse, contentLength: number, keepAlive: boolean): string {
  const lines = [`HTTP/1.1 ${response.status} ${REASONS[response.status] ?? "Unknown"}`];
  for (const [name, value] of response.headers) lines.push(`${name}: ${value}`);
  lines.push(`Content-Length: ${contentLength}`, `Date: ${new Date().toUTCString()}`, `Connection: ${keepAlive ? "keep-alive" : "close"}`);
  return `${lines.join("\r\n")}\r\n\r\n`;
}
