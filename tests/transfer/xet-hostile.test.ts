/**
 * The Xet wire as a hostile peer, through the compiled binary: read-token and reconstruction answers
 * that are malformed, oversized or point somewhere they must not. Each is refused before anything is
 * sent with it, and the file finishes through the Hub's bridge, said once; the Hub token never
 * follows a URL the CAS gave.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { generated, type LocalHub } from "../local-hub/index.ts";
import { TEST_TOKENS } from "../local-hub/fixtures.ts";
import { encodeChunk } from "../local-hub/xorb-writer.ts";
import { bridgeGets, expectSameBytes, project, runAgainst, startHub } from "../helpers/hub-scenario.ts";

const REPO = "acme/xet-hostile";
const FILE = "weights.bin";
const CONFIG = `cache_dir: cache\nverify: sha256\nmodels:\n  - id: m\n    repo_id: ${REPO}\n`;

let hub: LocalHub;
/** A storage server the altered reconstructions point xorb URLs at; each test sets what it answers. */
let storageAnswer: () => Response = () => new Response("unset", { status: 500 });
const storage = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => storageAnswer() });
beforeAll(async () => {
  hub = await startHub({ repos: [{ id: REPO, xet: true, files: { [FILE]: generated(300_000) } }] });
});
afterAll(async () => {
  await hub.stop();
  await storage.stop(true);
});
beforeEach(() => {
  hub.clearFaults();
  hub.resetLog();
});

type V2Answer = {
  offset_into_first_range: number;
  terms: { hash: string; unpacked_length: number; range: { start: number; end: number } }[];
  xorbs: Record<string, { url: string; ranges: { chunks: { start: number; end: number }; bytes: { start: number; end: number } }[] }[]>;
};

/** The CAS's real v2 answer for the whole file, to be altered by a test. */
async function realReconstruction(): Promise<V2Answer> {
  const token = (await (await fetch(`${hub.url}/api/models/${REPO}/xet-read-token/main`)).json()) as { accessToken: string; casUrl: string };
  const answer = await fetch(`${token.casUrl}/v2/reconstructions/${hub.xetHash(REPO, FILE)}`, { headers: { authorization: `Bearer ${token.accessToken}` } });
  return (await answer.json()) as V2Answer;
}

async function alteredReconstruction(alter: (answer: V2Answer) => void): Promise<string> {
  const answer = await realReconstruction();
  alter(answer);
  return JSON.stringify(answer);
}

const answerToken = (body: string) => hub.inject({ kind: "status", status: 200, body, host: "hub", route: "xet-token", times: "always" });
const answerReconstruction = (body: string) => hub.inject({ kind: "status", status: 200, body, host: "cdn", route: "xet-reconstruction", times: "always" });

/** The file lands byte-exact through the bridge, the switch said once, naming `reason`. */
async function fallsBackToBridge(reason: string | RegExp, env: Record<string, string> = {}) {
  const cwd = project(CONFIG);
  const run = await runAgainst(hub, [], { cwd, env });
  expect(run.stderr).not.toContain("error:");
  expect(run.code).toBe(0);
  expectSameBytes(hub, REPO, [FILE], join(cwd, "cache", "m"));
  expect(bridgeGets(hub).length).toBeGreaterThanOrEqual(1);
  expect(run.stderr.match(/Xet transfer failed/g)).toHaveLength(1);
  expect(run.stderr).toMatch(reason);
  expect(hub.tokenSeenAtCdn).toBe(false);
  return run;
}

describe("a hostile Xet read-token answer", () => {
  test("an accessToken that cannot go in a header is refused without being printed", async () => {
    answerToken(JSON.stringify({ accessToken: "xet_secret\nInjected: 1", exp: 9e9, casUrl: hub.cdnUrl }));
    const run = await fallsBackToBridge("accessToken cannot be sent in an HTTP header (a line break at position 11)");
    expect(run.stderr).not.toContain("xet_secret");
  });

  for (const [scheme, casUrl] of [
    ["file", "file:///etc"],
    ["s3", "s3://bucket/cas"],
  ] as const) {
    test(`a casUrl with the scheme ${scheme} is refused before any request`, async () => {
      answerToken(JSON.stringify({ accessToken: "xet_token", exp: 9e9, casUrl }));
      await fallsBackToBridge(`casUrl ${casUrl} has the scheme "${scheme}", not http or https`);
      expect(hub.requests.filter((record) => record.route === "xet-reconstruction")).toEqual([]);
    });
  }

  test("a casUrl carrying credentials is refused, and they are not printed", async () => {
    const withCredentials = hub.cdnUrl.replace("://", "://cas-user:cas-password@");
    answerToken(JSON.stringify({ accessToken: "xet_token", exp: 9e9, casUrl: withCredentials }));
    const run = await fallsBackToBridge("casUrl http://127.0.0.1");
    expect(run.stderr).toContain("carries credentials");
    expect(run.stderr).not.toContain("cas-password");
    expect(hub.requests.filter((record) => record.route === "xet-reconstruction")).toEqual([]);
  });

  test("an answer larger than any token is refused, not read to the end", async () => {
    answerToken(`{"accessToken": "${"x".repeat(1024 * 1024)}"}`);
    await fallsBackToBridge("the Xet read token of acme/xet-hostile: the answer is larger than 64.0 KiB");
  });
});

describe("a hostile reconstruction", () => {
  test("an answer trickled a byte now and then (never stalling) is given up at the API deadline, and the bridge takes over", async () => {
    let asked = 0;
    storageAnswer = () => {
      asked++;
      return new Response(new ReadableStream({ pull: async (controller) => controller.enqueue(await Bun.sleep(100).then(() => new TextEncoder().encode(" "))) }));
    };
    answerToken(JSON.stringify({ accessToken: "xet_token", exp: 9e9, casUrl: storage.url.origin }));
    // A 0.5 s stall timeout: the API deadline is 2 s, and three such attempts end Xet for the file.
    await fallsBackToBridge("no complete answer within 2 s", { HF_HUB_DOWNLOAD_TIMEOUT: "0.5" });
    expect(asked).toBe(3);
  }, 45_000);

  test("a CAS answering malformed HTTP is left for the bridge (it failed the file)", async () => {
    // Not HTTP at all: Bun's fetch refuses it with an error that is neither transient nor Xet's own.
    await using garbage = rawTcpServer("HTTP/1.1 200 OK\r\nContent-Length: \x01\r\n\r\n{}");
    answerToken(JSON.stringify({ accessToken: "xet_token", exp: 9e9, casUrl: `http://127.0.0.1:${garbage.port}` }));
    await fallsBackToBridge(/Xet transfer failed \([^)]*Malformed/i);
  });

  test("an answer larger than the limit is refused (parsed, it would take several times the memory budget)", async () => {
    answerReconstruction(`{"offset_into_first_range": 0, "terms": [], "xorbs": {}, "pad": "${" ".repeat(17 * 1024 * 1024)}"}`);
    await fallsBackToBridge("the answer is larger than 16.0 MiB");
  });

  test("tens of thousands of one-chunk terms in a small file are refused before a xorb byte is asked for (a request each)", async () => {
    // One term per chunk, every chunk a range of one xorb, each range as long as its term and header:
    // only the number of chunks gives it away. Indexed, the plan takes well under a second (a scan of
    // the ranges per term took about 50 s here); then no chunk but a file's last holds under 8 KiB.
    const terms = 70_000;
    const xorb = "a".repeat(64);
    answerReconstruction(
      JSON.stringify({
        offset_into_first_range: 0,
        terms: Array.from({ length: terms }, (_, index) => ({ hash: xorb, unpacked_length: index < terms - 1 ? 4 : 300_000 - 4 * (terms - 1), range: { start: index, end: index + 1 } })),
        xorbs: { [xorb]: [{ url: `${hub.cdnUrl}/xorbs/default/${xorb}`, ranges: Array.from({ length: terms }, (_, index) => ({ chunks: { start: index, end: index + 1 }, bytes: { start: 12 * index, end: 12 * index + 11 } })) }] },
      }),
    );
    await fallsBackToBridge(/reconstruction of "weights.bin" in acme\/xet-hostile from byte 0 to 300000 names 70000 chunks for 300000 bytes of terms/);
    expect(hub.requests.filter((record) => record.route === "xorb")).toEqual([]);
  }, 30_000);

  test("xorb ranges far longer than the chunks their terms read are refused before a xorb byte is asked for", async () => {
    // Each range still under 128 MiB (no xorb is larger), but together ~100 MiB for a 300 kB file.
    answerReconstruction(
      await alteredReconstruction((answer) => {
        for (const fetches of Object.values(answer.xorbs)) for (const fetch of fetches) for (const range of fetch.ranges) range.bytes.end = range.bytes.start + 100 * 1024 * 1024 - 1;
      }),
    );
    await fallsBackToBridge(/has its terms read 104857600 bytes of xorb ranges for 300000 bytes of chunks \(at most 30\d{4}\)/);
    expect(hub.requests.filter((record) => record.route === "xorb")).toEqual([]);
  });

  test("an empty term is refused", async () => {
    answerReconstruction(
      await alteredReconstruction((answer) => {
        answer.terms.push({ ...answer.terms[0]!, unpacked_length: 0 });
      }),
    );
    await fallsBackToBridge("announces an empty term");
  });

  test("a xorb URL with a file: scheme is refused", async () => {
    answerReconstruction(
      await alteredReconstruction((answer) => {
        for (const fetches of Object.values(answer.xorbs)) for (const fetch of fetches) fetch.url = "file:///etc/passwd";
      }),
    );
    await fallsBackToBridge(/a URL that has the scheme "file", not http or https \(file:\/\/\/etc\/passwd\)/);
    expect(hub.requests.filter((record) => record.route === "xorb")).toEqual([]);
  });

  test("a xorb URL on the Hub itself gets no Hub token", async () => {
    answerReconstruction(
      await alteredReconstruction((answer) => {
        for (const fetches of Object.values(answer.xorbs)) for (const fetch of fetches) fetch.url = `${hub.url}/api/whoami-v2?from=cas`;
      }),
    );
    await fallsBackToBridge("HTTP 404", { HF_TOKEN: TEST_TOKENS.user });
    const asked = hub.requests.filter((record) => record.target.startsWith("/api/whoami-v2"));
    expect(asked.length).toBeGreaterThanOrEqual(1);
    expect(asked.map((record) => record.authorization)).toEqual(asked.map(() => "none"));
  });

  test("an offset into the first term past its end is refused (no negative offset reaches the index)", async () => {
    answerReconstruction(
      await alteredReconstruction((answer) => {
        answer.offset_into_first_range = answer.terms[0]!.unpacked_length + 5;
      }),
    );
    await fallsBackToBridge("skips 300005 bytes of a first term of 300000");
  });

  test("a first term starting before the file is refused (its bytes before the range would be fetched for nothing)", async () => {
    answerReconstruction(
      await alteredReconstruction((answer) => {
        answer.offset_into_first_range = 5;
        answer.terms[0]!.unpacked_length += 5;
      }),
    );
    await fallsBackToBridge('the reconstruction of "weights.bin" in acme/xet-hostile from byte 0 to 300000 starts its first term 5 bytes before it, before the file');
    expect(hub.requests.filter((record) => record.route === "xorb")).toEqual([]);
  });

  test("a term with its chunk range reversed is refused", async () => {
    answerReconstruction(
      await alteredReconstruction((answer) => {
        const term = answer.terms[0]!;
        term.range = { start: term.range.end, end: term.range.start };
      }),
    );
    await fallsBackToBridge(/names chunks \d+-0 of xorb/);
  });

  test("a byte range that ends before it starts is refused before it is asked for", async () => {
    answerReconstruction(
      await alteredReconstruction((answer) => {
        const range = Object.values(answer.xorbs)[0]![0]!.ranges[0]!;
        range.bytes = { start: range.bytes.end, end: range.bytes.start };
      }),
    );
    await fallsBackToBridge(/at bytes \d+-0 of xorb/);
    expect(hub.requests.filter((record) => record.route === "xorb")).toEqual([]);
  });
});

/** A TCP server answering every connection with `reply` and closing it. */
function rawTcpServer(reply: string) {
  const server = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      data(socket) {
        socket.end(reply);
      },
    },
  });
  return { port: server.port, [Symbol.asyncDispose]: async () => server.stop(true) };
}

describe("a hostile xorb storage", () => {
  /** 64 KiB of zeros as an LZ4 chunk of a few hundred bytes, which the storage repeats without end. */
  const zeros = encodeChunk(new Uint8Array(64 * 1024), "lz4");
  const zerosForever = () => new Response(new ReadableStream({ pull: (controller) => controller.enqueue(zeros) }), { status: 200 });

  /** The real answer with its xorb at the hostile storage, and its one term and range spanning `chunks` chunks in `bytes` bytes. */
  const endlessTerm = (unpackedLength: number, chunks: number, bytes: number) =>
    alteredReconstruction((answer) => {
      const term = answer.terms[0]!;
      term.unpacked_length = unpackedLength;
      term.range.end = chunks;
      const fetch = Object.values(answer.xorbs)[0]![0]!;
      fetch.url = `${storage.url.origin}/xorbs/default/${term.hash}`;
      fetch.ranges[0]!.chunks.end = chunks;
      fetch.ranges[0]!.bytes.end = bytes - 1;
    });

  test("an empty chunk (a header announcing 0 bytes, which Xet's chunker never makes) is refused before a byte is written", async () => {
    const answer = await realReconstruction();
    const term = answer.terms[0]!;
    const xorbFetch = Object.values(answer.xorbs)[0]![0]!;
    const range = xorbFetch.ranges[0]!;
    const real = new Uint8Array(await (await fetch(xorbFetch.url, { headers: { range: `bytes=${range.bytes.start}-${range.bytes.end}` } })).arrayBuffer());
    // The file's one term and range, with an empty chunk (8 zero bytes: version 0, no payload) before its chunks.
    const body = new Uint8Array(8 + real.length);
    body.set(real, 8);
    storageAnswer = () => new Response(body, { status: 206, headers: { "content-range": `bytes 0-${body.length - 1}/${body.length}` } });
    term.range.end += 1;
    range.chunks.end += 1;
    range.bytes = { start: 0, end: body.length - 1 };
    xorbFetch.url = `${storage.url.origin}/xorbs/default/${term.hash}`;
    answerReconstruction(JSON.stringify(answer));
    await fallsBackToBridge(/xorb [0-9a-f]{12}… of "weights.bin" in acme\/xet-hostile: chunk 0 is empty/);
  });

  test("a chunk announcing more than 128 KiB (Xet's largest; xet-core refuses it too) is refused before a byte is written", async () => {
    const oversized = encodeChunk(new Uint8Array(128 * 1024 + 1), "lz4");
    storageAnswer = () => new Response(oversized, { status: 206, headers: { "content-range": `bytes 0-${oversized.length - 1}/${oversized.length}` } });
    answerReconstruction(await endlessTerm(300_000, 1, oversized.length));
    await fallsBackToBridge(/xorb [0-9a-f]{12}… of "weights.bin" in acme\/xet-hostile: chunk 0 decodes to 131073 bytes, more than Xet's largest chunk \(128 KiB\)/);
  });

  test("a term announced past the end of the file is refused before a xorb byte is read (it kept a stream decoding without end)", async () => {
    storageAnswer = zerosForever;
    answerReconstruction(await endlessTerm(2 ** 40, 1_000_000_000, 100 * 1024 * 1024));
    await fallsBackToBridge("end at byte 1099511627776, past the end of the file (300000 bytes)");
  });

  test("a byte range past the size of any xorb is refused (the storage streamed junk for the client to skip through without end)", async () => {
    storageAnswer = () => new Response(new ReadableStream({ pull: (controller) => controller.enqueue(new Uint8Array(65536)) }));
    const xorb = "b".repeat(64);
    answerReconstruction(
      JSON.stringify({
        offset_into_first_range: 0,
        terms: [{ hash: xorb, unpacked_length: 300_000, range: { start: 999_999_999, end: 1_000_000_000 } }],
        xorbs: { [xorb]: [{ url: `${storage.url.origin}/xorbs/default/${xorb}`, ranges: [{ chunks: { start: 0, end: 1_000_000_000 }, bytes: { start: 0, end: 2 ** 45 } }] }] },
      }),
    );
    await fallsBackToBridge("names bytes 0-35184372088832 of xorb bbbbbbbbbbbb…, past the size of any xorb");
  });

  test("a storage ignoring Range, with the range asked 100 MiB into the xorb, is read no further than twice the file and 64 MiB", async () => {
    let sent = 0;
    storageAnswer = () =>
      new Response(
        new ReadableStream({
          pull: (controller) => {
            sent += 65536;
            controller.enqueue(new Uint8Array(65536));
          },
        }),
        { status: 200 },
      );
    answerReconstruction(
      await alteredReconstruction((answer) => {
        const xorbFetch = Object.values(answer.xorbs)[0]![0]!;
        xorbFetch.url = `${storage.url.origin}/xorbs/default/${answer.terms[0]!.hash}`;
        const range = xorbFetch.ranges[0]!;
        range.bytes = { start: 100 * 1024 * 1024 + range.bytes.start, end: 100 * 1024 * 1024 + range.bytes.end };
      }),
    );
    await fallsBackToBridge('the Xet storage has sent more than 64.6 MiB for "weights.bin" in acme/xet-hostile (293 KiB)');
    // Short of the 100 MiB it would have skipped (the server's buffers hold a few MiB more than the client read).
    expect(sent).toBeLessThan(90 * 1024 * 1024);
  });

  test("a term whose chunks decode to more than its announced length is cut off as soon as its bytes pass it; its wrong bytes send the file to the bridge, Xet's failure said once", async () => {
    // As many chunks and bytes as 300 kB may have, but each chunk decodes to 64 KiB: the fifth passes the term's length.
    storageAnswer = zerosForever;
    answerReconstruction(await endlessTerm(300_000, 37, 37 * zeros.length));
    hub.resetLog();
    const cwd = project(CONFIG);
    const run = await runAgainst(hub, [], { cwd });
    expect(run.stderr).not.toContain("error:");
    expect(run.code).toBe(0);
    expectSameBytes(hub, REPO, [FILE], join(cwd, "cache", "m"));
    // Xet failed for the file (the rest came through the bridge), and its bytes were wrong: the bridge
    // alone from scratch, not Xet again (which failed the same way and said so a second time).
    expect(run.stderr.match(/Xet transfer failed \(a term of "weights.bin" in acme\/xet-hostile decodes to more than the 300000 bytes the CAS announced\)/g)).toHaveLength(1);
    expect(run.stderr.match(/wrong sha256 .*; fetching it again from scratch through the Hub's bridge/g)).toHaveLength(1);
    expect(run.stderr).not.toContain("again through Xet");
    expect(hub.requests.filter((record) => record.route === "xet-reconstruction")).toHaveLength(1);
    expect(hub.tokenSeenAtCdn).toBe(false);
  });
});

/**
 * Xet gives wrong bytes on every attempt: the file is fetched again from scratch (Xet, without reuse),
 * then through the bridge, each said once, and lands byte-exact with exit 0.
 */
async function bridgeAfterWrongBytes() {
  const cwd = project(CONFIG);
  const run = await runAgainst(hub, [], { cwd });
  expect(run.stderr).not.toContain("error:");
  expect(run.code).toBe(0);
  expectSameBytes(hub, REPO, [FILE], join(cwd, "cache", "m"));
  expect(run.stderr.match(/fetching it again from scratch/g)).toHaveLength(1);
  expect(run.stderr.match(/again through Xet; fetching it through the Hub's bridge/g)).toHaveLength(1);
  expect(hub.tokenSeenAtCdn).toBe(false);
  return run;
}

describe("wrong bytes from Xet", () => {
  test("a xorb corrupted in storage (every answer) fails the sha256 twice through Xet, then the bridge delivers the file", async () => {
    hub.inject({ kind: "corrupt", offsets: [40_000], host: "cdn", route: "xorb", times: "always" });
    await bridgeAfterWrongBytes();
    expect(bridgeGets(hub)).toHaveLength(1);
  });
});
