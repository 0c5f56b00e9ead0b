/**
 * A TCP proxy in front of a server, for what a client sends towards it: at most `bytesPerSecond`
 * (an upload stays in flight long enough to be interrupted), or one connection cut once
 * `cutOnceAfterBytes` have gone through (an upload must retry). Answers come back untouched.
 */
import { createConnection, createServer, type Server } from "node:net";
import { Transform } from "node:stream";

export type TcpProxy = {
  readonly port: number;
  /** The connection was cut. */
  wasCut(): boolean;
  /** Bytes the client has sent towards the server so far (requests and bodies). */
  sentBytes(): number;
  /** performance.now() when the last byte of an answer went back to the client (0: none yet). */
  lastAnswerAt(): number;
  close(): Promise<void>;
};
export type TcpProxyOptions = { readonly bytesPerSecond?: number; readonly cutOnceAfterBytes?: number };

export async function tcpProxy(target: { host: string; port: number }, options: TcpProxyOptions): Promise<TcpProxy> {
  let sent = 0;
  let cut = false;
  let answeredAt = 0;
  const server: Server = createServer((client) => {
    const upstream = createConnection(target);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    const faults = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        sent += chunk.length;
        if (!cut && options.cutOnceAfterBytes !== undefined && sent > options.cutOnceAfterBytes) {
          cut = true;
          end();
          return;
        }
        const delay = options.bytesPerSecond ? (chunk.length * 1000) / options.bytesPerSecond : 0;
        setTimeout(() => done(null, chunk), delay);
      },
    });
    upstream.on("data", () => {
      answeredAt = performance.now();
    });
    client.pipe(faults).pipe(upstream).pipe(client);
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the proxy has no port");
  return {
    port: address.port,
    wasCut: () => cut,
    sentBytes: () => sent,
    lastAnswerAt: () => answeredAt,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
