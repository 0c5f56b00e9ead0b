import { readLimitedBytes, safeJson } from "../../hub/bounded-body.ts";
import { formatBytes } from "../../output/format.ts";
import { XetUnavailable } from "./xet-errors.ts";

/**
 * A Xet JSON answer (read token, reconstruction), read up to `limit` bytes. A larger one is not an
 * answer retrying would improve: XetUnavailable, so the file goes through the bridge.
 */
export async function readXetJson(response: Response, limit: number, what: string, touch: () => void): Promise<unknown> {
  const tooLarge = () => new XetUnavailable(`${what}: the answer is larger than ${formatBytes(limit)}`);
  return safeJson(new TextDecoder().decode(await readLimitedBytes(response, limit, tooLarge, touch)));
}
