/** Pushing one blob (against moto, through a proxy that sees the store's answers): its progress is done only once the store confirmed it. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../helpers/binary.ts";
import { mustRunOnCI } from "../helpers/must-run.ts";
import { bucketClient, motoMissing, type S3Server, startMoto } from "../helpers/s3-servers.ts";
import { type TcpProxy, tcpProxy } from "../helpers/tcp-proxy.ts";
import { uploadBlob } from "../../src/mirror/upload-blob.ts";

const BUCKET = "blob-progress";
const skipMoto = motoMissing();

let moto: S3Server;
let proxy: TcpProxy;
beforeAll(async () => {
  if (skipMoto) return;
  moto = await startMoto([BUCKET]);
  proxy = await tcpProxy({ host: "127.0.0.1", port: Number(new URL(moto.endpoint).port) }, {});
});
afterAll(async () => {
  await proxy?.close();
  await moto?.stop();
});

describe.skipIf(skipMoto !== undefined)(mustRunOnCI("upload progress (moto)"), () => {
  for (const size of [100_000, 20 * 1024 * 1024]) {
    test(`a ${size}-byte blob (${size > 8 * 1024 * 1024 ? "multipart" : "one PUT"}) reaches 100 % only after the store's last answer`, async () => {
      const path = join(tempDir("mm-upload"), "blob");
      const bytes = new Uint8Array(size).map((_, index) => (index * 31) & 0xff);
      writeFileSync(path, bytes);
      const client = new Bun.S3Client({ bucket: BUCKET, endpoint: `http://127.0.0.1:${proxy.port}`, accessKeyId: moto.env.S3_ACCESS_KEY_ID, secretAccessKey: moto.env.S3_SECRET_ACCESS_KEY });
      let total = 0;
      let doneAt = 0;
      const progress = {
        advance(count: number) {
          total += count;
          if (total >= size && doneAt === 0) doneAt = performance.now();
        },
        rewind() {},
        finished() {},
        failed() {},
      };
      await uploadBlob(client, `b-${size}`, path, progress);
      expect(total).toBe(size);
      expect(doneAt).toBeGreaterThanOrEqual(proxy.lastAnswerAt());
      const stored = await bucketClient(moto, BUCKET).file(`b-${size}`).bytes();
      expect(Buffer.from(stored).equals(Buffer.from(bytes))).toBe(true);
    });
  }
});
