/**
 * An HTTP CONNECT proxy that sends every tunnel to one local port, whatever
 * host was asked for: with HTTPS_PROXY pointing at it, a test can serve
 * "https://huggingface.co" from a local TLS server (its certificate signed
 * by a test CA the client is told to trust), with no network and no change
 * to the machine's name resolution.
 */
import type { Socket, TCPSocketListener } from "bun";

type Tunnel = { head: string; upstream?: Socket<undefined>; pending: Uint8Array[] };

export type ConnectProxy = {
  readonly url: string;
  /** `host:port` of every CONNECT, in order. */
  readonly tunnels: string[];
  [Symbol.dispose](): void;
};

export function startConnectProxy(targetPort: number): ConnectProxy {
  const tunnels: string[] = [];
  const listener: TCPSocketListener<Tunnel> = Bun.listen<Tunnel>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(client) {
        client.data = { head: "", pending: [] };
      },
      async data(client, bytes) {
        const tunnel = client.data;
        if (tunnel.upstream) {
          tunnel.upstream.write(bytes);
          return;
        }
        if (tunnel.head.includes("\r\n\r\n")) {
          tunnel.pending.push(Uint8Array.from(bytes));
          return;
        }
        tunnel.head += bytes.toString("latin1");
        const end = tunnel.head.indexOf("\r\n\r\n");
        if (end < 0) return;
        const [method, authority] = tunnel.head.split(" ");
        if (method !== "CONNECT" || !authority) {
          client.end("HTTP/1.1 405 Only CONNECT\r\nContent-Length: 0\r\n\r\n");
          return;
        }
        tunnels.push(authority);
        const early = Buffer.from(tunnel.head.slice(end + 4), "latin1");
        if (early.byteLength > 0) tunnel.pending.push(early);
        tunnel.upstream = await Bun.connect({
          hostname: "127.0.0.1",
          port: targetPort,
          socket: {
            data: (_, reply) => {
              client.write(reply);
            },
            close: () => {
              client.end();
            },
            error: () => {
              client.end();
            },
          },
        });
        client.write("HTTP/1.1 200 Connection established\r\n\r\n");
        for (const chunk of tunnel.pending.splice(0)) tunnel.upstream.write(chunk);
      },
      close(client) {
        client.data.upstream?.end();
      },
      error() {},
    },
  });
  return {
    url: `http://127.0.0.1:${listener.port}`,
    tunnels,
    [Symbol.dispose]: () => listener.stop(true),
  };
}
