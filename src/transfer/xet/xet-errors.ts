import { RetryableResponseError } from "../../hub/retry.ts";

/**
 * A Xet failure that retrying Xet will not fix (no token, no reconstruction, bytes that do not
 * decode, a wrong length): the file continues through the Hub's bridge instead.
 */
export class XetUnavailable extends Error {
  override readonly name = "XetUnavailable";
}

/**
 * Thrown to the engine after a Xet failure met while streaming: transient, so the engine asks the
 * source again for the same range, which then comes from the bridge.
 */
export class SwitchedToBridge extends RetryableResponseError {
  constructor(reason: string) {
    super(0, 0, `Xet failed (${reason}); continuing through the Hub's bridge`);
  }
}
