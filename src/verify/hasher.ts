/**
 * Incremental content hashing: sha256 of the bytes and, for regular git files,
 * the git blob SHA-1 (`sha1("blob <size>\0" + bytes)`), both in one pass.
 */

export type HashKinds = { readonly sha256: boolean; readonly gitSha1: boolean };

export type ContentDigests = {
  readonly bytes: number;
  readonly sha256?: string;
  readonly gitSha1?: string;
};

export class ContentHasher {
  private readonly sha256?: Bun.CryptoHasher;
  private readonly gitSha1?: Bun.CryptoHasher;
  private bytes = 0;

  /** `size` is the expected total size, needed up front for the git blob header. */
  constructor(kinds: HashKinds, size: number) {
    if (kinds.sha256) this.sha256 = new Bun.CryptoHasher("sha256");
    if (kinds.gitSha1) {
      this.gitSha1 = new Bun.CryptoHasher("sha1");
      this.gitSha1.update(`blob ${size}\0`);
    }
  }

  update(chunk: Uint8Array): void {
    this.bytes += chunk.byteLength;
    this.sha256?.update(chunk);
    this.gitSha1?.update(chunk);
  }

  get bytesHashed(): number {
    return this.bytes;
  }

  digest(): ContentDigests {
    return {
      bytes: this.bytes,
      sha256: this.sha256?.digest("hex"),
      gitSha1: this.gitSha1?.digest("hex"),
    };
  }
}
