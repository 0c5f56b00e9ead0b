/** The hand-written HTTP/1.1 layer, over raw sockets: keep-alive, pipelining, chunked bodies, 100-continue, bad input. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { LocalHub } from "./local-hub.ts";

const REPO = "acme/http";
let hub: LocalHub;
let port: number;

beforeAll(async () => {
  hub = await LocalHub.start({ repos: [{ id: REPO, files: { "a.txt": "A\n", "b.txt": "BB\n" } }] });
  port = Number(new URL(hub.url).port);
});

afterAll(async () => {
  await hub.stop();
});

/** Sends raw bytes on one connection; resolves with everything received once the server closes or `until` matches. */
async function exchange(payload: string | string[], until?: (received: string) => boolean): Promise<string> {
  const parts = typeof payload === "string" ? [payload] : payload;
  let received = "";
  const { promise, resolve } = Promise.withResolvers<string>();
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data(socket, data) {
        received += new TextDecoder().decode(data);
        if (until?.(received)) {
          socket.end();
          resolve(received);
        }
        if (received.includes("100 Continue") && parts.length > 0) socket.write(parts.shift()!);
      },
      close() {
        resolve(received);
      },
    },
  });
  socket.write(parts.shift()!);
  return promise;
}

const responsesIn = (text: string) => text.match(/^HTTP\/1\.1 \d{3}/gm) ?? [];

describe("HTTP/1.1 server", () => {
  test("pipelined requests on one connection are answered in order", async () => {
    const get = (path: string) => `GET /api/resolve-cache/models/${REPO}/${hub.repo(REPO)!.head.sha}/${path} HTTP/1.1\r\nHost: x\r\n\r\n`;
    const text = await exchange(get("a.txt") + get("b.txt") + get("a.txt"), (received) => responsesIn(received).length === 3 && received.endsWith("A\n"));
    expect(responsesIn(text)).toEqual(["HTTP/1.1 200", "HTTP/1.1 200", "HTTP/1.1 200"]);
    expect(text.indexOf("\r\n\r\nA\n")).toBeLessThan(text.indexOf("\r\n\r\nBB\n"));
    expect(text).toContain("Connection: keep-alive");
  });

  test("Connection: close is honoured", async () => {
    const text = await exchange(`GET /api/models/${REPO} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    expect(responsesIn(text)).toEqual(["HTTP/1.1 200"]);
    expect(text).toContain("Connection: close");
  });

  test("a chunked request body, sent after 100-continue", async () => {
    const head = `POST /api/models/${REPO}/paths-info/main HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`;
    const body = "c\r\npaths=a.txt&\r\nb\r\npaths=b.txt\r\n0\r\n\r\n";
    const text = await exchange([head, body]);
    expect(responsesIn(text)).toEqual(["HTTP/1.1 100", "HTTP/1.1 200"]);
    const entries = JSON.parse(text.slice(text.lastIndexOf("\r\n\r\n") + 4)) as Array<{ path: string }>;
    expect(entries.map((entry) => entry.path)).toEqual(["a.txt", "b.txt"]);
  });

  test("a malformed request gets 400 and the connection is closed", async () => {
    const text = await exchange("NONSENSE\r\n\r\n");
    expect(responsesIn(text)).toEqual(["HTTP/1.1 400"]);
    expect(text).toContain("Connection: close");
  });
});
