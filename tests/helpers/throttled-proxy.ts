/**
 * A TCP proxy in front of a server that passes what clients send at most `bytesPerSecond`
 * (answers go back unthrottled): an upload through it stays in flight long enough to be interrupted.
 */
import { createConnection, createServer, type Server } from "node:net";
import { Transform } from "node:stream";

export type ThrottledProxy = { readonly port: number; close(): Promise<void> };

export async function throttledProxy(target: { host: string; port: number }, bytesPerSecond: number): Promise<ThrottledProxy> {
  const server: Server = createServer((client) => {
    const upstream = createConnection(target);
    const throttle = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        setTimeout(() => done(null, chunk), (chunk.length * 1000) / bytesPerSecond);
      },
    });
    client.pipe(throttle).pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the proxy has no port");
  return {
    port: address.port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
