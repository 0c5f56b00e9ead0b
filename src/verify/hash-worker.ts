/**
 * Worker thread entry: hashes one file per request. Must be listed as an extra
 * entrypoint of `bun build --compile` (see hash-pool.ts for how it is found).
 */

import { messageOf } from "../errors.ts";
import { hashFile } from "./hash-file.ts";
import type { HashReply, HashRequest } from "./hash-protocol.ts";

declare var self: Worker;

const PROGRESS_INTERVAL_MS = 50;

function reply(message: HashReply): void {
  self.postMessage(message);
}

self.onmessage = async (event: MessageEvent<HashRequest>) => {
  const { id, path, size, sha256, gitSha1 } = event.data;
  let unreported = 0;
  let lastReport = performance.now();
  try {
    const digests = await hashFile(path, { sha256, gitSha1 }, size, {
      onBytes: (bytes) => {
        unreported += bytes;
        if (performance.now() - lastReport < PROGRESS_INTERVAL_MS) return;
        reply({ type: "progress", id, bytes: unreported });
        unreported = 0;
        lastReport = performance.now();
      },
    });
    if (unreported > 0) reply({ type: "progress", id, bytes: unreported });
    reply({ type: "done", id, bytes: digests.bytes, sha256: digests.sha256 ?? null, gitSha1: digests.gitSha1 ?? null });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    reply({ type: "error", id, message: messageOf(error), code: typeof code === "string" ? code : null });
  }
};
