/** Signed CDN URLs, CloudFront style (`Expires`, `Signature`, `Key-Pair-Id`), HMAC-SHA256 with a server secret. */
import { randomBytes, timingSafeEqual } from "node:crypto";

export type SignatureCheck = "valid" | "expired" | "invalid";

const KEY_PAIR_ID = "KLOCALHUB0000";

export class CdnSigner {
  /** Seconds added to the wall clock, so tests can expire URLs without waiting. */
  clockOffsetSeconds = 0;

  constructor(
    private readonly secret: string = randomBytes(32).toString("hex"),
    public ttlSeconds = 3600,
  ) {}

  nowSeconds(): number {
    return Math.floor(Date.now() / 1000) + this.clockOffsetSeconds;
  }

  /** `base` + `pathname`, with the given query parameters followed by the signature parameters. */
  sign(base: string, pathname: string, params: ReadonlyArray<readonly [string, string]>): string {
    const query = new URLSearchParams([...params.map(([k, v]) => [k, v] as [string, string]), ["Expires", String(this.nowSeconds() + this.ttlSeconds)]]);
    query.append("Signature", this.signature(pathname, query));
    query.append("Key-Pair-Id", KEY_PAIR_ID);
    return `${base}${pathname}?${query}`;
  }

  check(pathname: string, query: URLSearchParams): SignatureCheck {
    const signature = query.get("Signature");
    const expires = Number(query.get("Expires"));
    if (!signature || !Number.isSafeInteger(expires)) return "invalid";
    const signed = new URLSearchParams([...query].filter(([name]) => name !== "Signature" && name !== "Key-Pair-Id"));
    const expected = Buffer.from(this.signature(pathname, signed));
    const given = Buffer.from(signature);
    if (given.byteLength !== expected.byteLength || !timingSafeEqual(given, expected)) return "invalid";
    return expires <= this.nowSeconds() ? "expired" : "valid";
  }

  private signature(pathname: string, query: URLSearchParams): string {
    return new Bun.CryptoHasher("sha256", this.secret).update(`${pathname}?${query}`).digest("base64url");
  }
}
