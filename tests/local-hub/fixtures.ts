/** How tests and presets declare the repositories the local hub serves. */

export type RepoType = "model" | "dataset" | "space";

/** Deterministic pseudo-random bytes; stored on disk (in the hub's data dir) from `ON_DISK_MIN_SIZE` up. */
export interface GeneratedContent {
  readonly generated: {
    readonly size: number;
    /** Default: `<type>/<repo id>/<path>`, so every file differs. */
    readonly seed?: string;
    /** Overrides the hub's data dir for this file. */
    readonly dir?: string;
  };
}

/**
 * A multi-GiB Xet file made up from a seed (xet-synthetic.ts): in a Xet repo its xorbs (of up to
 * `xorbBytes`, default 64 MiB) are produced on demand instead of chunked and compressed; the plain
 * file is written once to the data dir (for its sha256 and the bridge) and reused by later runs.
 */
export interface SyntheticXetContent {
  readonly syntheticXet: {
    readonly size: number;
    /** Default: `<type>/<repo id>/<path>`. */
    readonly seed?: string;
    readonly xorbBytes?: number;
  };
}

export type FileContent = string | Uint8Array | GeneratedContent | SyntheticXetContent;

export interface FileDecl {
  readonly content: FileContent;
  /** Default: `isLfsByDefault(path, size)`. */
  readonly lfs?: boolean;
}

/** Path in the repository → content. */
export type FileTree = Readonly<Record<string, FileContent | FileDecl>>;

export interface CommitDecl {
  /** The complete file list of the commit (a snapshot, not a diff). */
  readonly files: FileTree;
  readonly message?: string;
  /** Index of the parent in `RepoDecl.commits`; default the previous commit; `null` for a root commit. */
  readonly parent?: number | null;
}

export type GatedMode = "auto" | "manual";

export interface RepoDecl {
  /** `name` or `namespace/name`. */
  readonly id: string;
  readonly type?: RepoType;
  /** Shorthand for `commits: [{ files }]`. */
  readonly files?: FileTree;
  readonly commits?: readonly CommitDecl[];
  /** Default "main"; it points at the last commit unless `branches` says otherwise. */
  readonly defaultBranch?: string;
  /** Branch name → index in `commits`. */
  readonly branches?: Readonly<Record<string, number>>;
  readonly tags?: Readonly<Record<string, number>>;
  /** PR number → index in `commits`, served as `refs/pr/<n>`. */
  readonly pullRequests?: Readonly<Record<number, number>>;
  readonly gated?: GatedMode;
  /** Tokens whose access request to the gated repo was granted. */
  readonly approvedTokens?: readonly string[];
  readonly private?: boolean;
  /** Tokens that may read the private repo. */
  readonly readers?: readonly string[];
  /** Old ids answered with a 307 to this one (fact sheet §1, §3.7). */
  readonly renamedFrom?: readonly string[];
  /**
   * Paths a broken or malicious Hub would list (`../x`, `/etc/passwd`, `a\\b`): appended to the last
   * `/tree` page as file entries of a few bytes, never served. For path-safety tests of clients.
   */
  readonly hostileTreeEntries?: readonly string[];
  /** LFS files are stored in Xet: `xetHash` in the tree, Xet headers on /resolve/, reconstructions and xorbs on the CAS. */
  readonly xet?: boolean;
  /** Extra fields of the repo info JSON (`pipeline_tag`, `library_name`, `tags`, `cardData`, …). */
  readonly info?: Readonly<Record<string, unknown>>;
}

export const TEST_TOKENS = {
  /** A valid token of a user who has not been granted any gated repo. */
  user: "hf_localhub_user_0000000000000000",
  /** A valid token that the preset gated repos approve. */
  approved: "hf_localhub_approved_00000000000000",
  /** Not known to the hub: 401 "Invalid credentials in Authorization header". */
  invalid: "hf_localhub_invalid_000000000000000",
} as const;

export const ON_DISK_MIN_SIZE = 4 << 20;

const LFS_EXTENSIONS = new Set(["safetensors", "bin", "pt", "pth", "ckpt", "gguf", "onnx", "h5", "msgpack", "ot", "tflite", "parquet", "arrow", "npy", "npz", "pkl", "pickle", "zip"]);

export function isLfsByDefault(path: string, size: number): boolean {
  const extension = path.slice(path.lastIndexOf(".") + 1).toLowerCase();
  return size >= 1 << 20 || LFS_EXTENSIONS.has(extension);
}

export function generated(size: number, seed?: string): GeneratedContent {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`invalid generated size ${size}`);
  return { generated: seed === undefined ? { size } : { size, seed } };
}

export function syntheticXet(size: number, options: { seed?: string; xorbBytes?: number } = {}): SyntheticXetContent {
  if (!Number.isSafeInteger(size) || size < 1) throw new RangeError(`invalid synthetic Xet file size ${size}`);
  return { syntheticXet: { size, ...options } };
}

/** Pretty JSON as the Hub stores it, with the trailing newline. */
export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

export function isGenerated(content: FileContent): content is GeneratedContent {
  return typeof content === "object" && "generated" in content;
}

export function isSyntheticXet(content: FileContent): content is SyntheticXetContent {
  return typeof content === "object" && "syntheticXet" in content;
}

export function toFileDecl(entry: FileContent | FileDecl): FileDecl {
  return typeof entry === "object" && "content" in entry ? entry : { content: entry };
}
