/**
 * A deliberately misbehaving HTTP/1.1 server for tests of the client's trust
 * boundary: raw bytes on a TCP socket, so it can send what a well-behaved
 * server library would refuse to (malformed heads, endless bodies, bodies
 * that never end and never arrive).
 */
import type { Socket, TCPSocketListener } from "bun";

export type HostileRequest = {
  readonly method: string;
  /** Path and query, as requested. */
  readonly target: string;
  readonly headers: Readonly<Record<string, string>>;
};

export type HostileReply =
  /** These bytes as they are, then the connection is closed. */
  | { readonly raw: string }
  /** Nothing at all, the connection held open: a host that accepts and never answers. */
  | { readonly hold: true }
  | {
      readonly status: number;
      readonly headers?: Readonly<Record<string, string>>;
      /** A complete body (Content-Length is added). */
      readonly body?: string;
      /** A body that never ends: this text, repeated for as long as the client reads. */
      readonly endless?: string;
      /** A body that never ends and never stalls: this text, one piece every `everyMs`. */
      readonly trickle?: { readonly text: string; readonly everyMs: number };
    };

export type HostileServer = {
  readonly url: string;
  readonly requests: HostileRequest[];
  /** Bytes of endless bodies written so far. */
  readonly endlessBytesSent: () => number;
  stop(): void;
  [Symbol.dispose](): void;
};

type Connection = { buffer: string; pump?: () => void; timers: Array<ReturnType<typeof setInterval>> };

export function startHostileServer(answer: (request: HostileRequest, server: HostileServer) => HostileReply): HostileServer {
  const requests: HostileRequest[] = [];
  let endlessBytes = 0;
  let listener: TCPSocketListener<Connection> | undefined;
  const server: HostileServer = {
    get url() {
      return `http://127.0.0.1:${listener?.port}`;
    },
    requests,
    endlessBytesSent: () => endlessBytes,
    stop: () => listener?.stop(true),
    [Symbol.dispose]: () => listener?.stop(true),
  };
  const reply = (socket: Socket<Connection>, request: HostileRequest) => {
    const given = answer(request, server);
    if ("hold" in given) return;
    if ("raw" in given) {
      socket.write(given.raw);
      socket.end();
      return;
    }
    const headers = { ...given.headers };
    if (given.body !== undefined) headers["Content-Length"] = String(Buffer.byteLength(given.body));
    if (given.endless !== undefined || given.trickle !== undefined) headers.Connection = "close";
    const head = [`HTTP/1.1 ${given.status} Hostile`, ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`), "", ""].join("\r\n");
    socket.write(head);
    if (given.body !== undefined) socket.write(given.body);
    if (given.endless !== undefined) {
      const chunk = Buffer.from(given.endless.repeat(Math.max(1, Math.ceil(65536 / Math.max(1, given.endless.length)))));
      // Write until the kernel buffer is full, then wait for drain: as fast as the client reads, never more.
      socket.data.pump = () => {
        for (;;) {
          const written = socket.write(chunk);
          endlessBytes += Math.max(0, written);
          if (written < chunk.byteLength) return;
        }
      };
      socket.data.pump();
    }
    if (given.trickle !== undefined) {
      const { text, everyMs } = given.trickle;
      const timer = setInterval(() => {
        if (socket.write(text) < 0) clearInterval(timer);
      }, everyMs);
      socket.data.timers.push(timer);
    }
  };
  listener = Bun.listen<Connection>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(socket) {
        socket.data = { buffer: "", timers: [] };
      },
      close(socket) {
        for (const timer of socket.data.timers) clearInterval(timer);
      },
      data(socket, bytes) {
        socket.data.buffer += bytes.toString("latin1");
        for (let end = socket.data.buffer.indexOf("\r\n\r\n"); end >= 0; end = socket.data.buffer.indexOf("\r\n\r\n")) {
          const [line = "", ...fields] = socket.data.buffer.slice(0, end).split("\r\n");
          socket.data.buffer = socket.data.buffer.slice(end + 4);
          const [method = "", target = ""] = line.split(" ");
          const headers: Record<string, string> = {};
          for (const field of fields) {
            const colon = field.indexOf(":");
            if (colon > 0) headers[field.slice(0, colon).trim().toLowerCase()] = field.slice(colon + 1).trim();
          }
          const request = { method, target, headers };
          requests.push(request);
          reply(socket, request);
        }
      },
      drain(socket) {
        socket.data.pump?.();
      },
      error() {},
    },
  });
  return server;
}
