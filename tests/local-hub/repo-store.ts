/** The repositories the hub serves, materialised from declarations: blobs, commits, refs, renames. */
import { cachedFile, generateBytes, generatedFile, gitBlobSha1, lfsPointer, sha256Hex } from "./content.ts";
import {
  type CommitDecl,
  type FileContent,
  type FileTree,
  type GatedMode,
  type RepoDecl,
  type RepoType,
  type SyntheticXetContent,
  isGenerated,
  isLfsByDefault,
  isSyntheticXet,
  ON_DISK_MIN_SIZE,
  toFileDecl,
} from "./fixtures.ts";
import { gitCommitId, gitTreeIds } from "./git-objects.ts";
import { type BodyBytes, bytesIn } from "./http/body.ts";
import { SyntheticXetFile } from "./xet-synthetic.ts";

export interface StoredBlob {
  readonly size: number;
  readonly lfs: boolean;
  /** The file's real bytes. */
  readonly bytes: BodyBytes;
  /** Git blob id of what git stores: the bytes, or for LFS files the pointer (fact sheet §10). */
  readonly oid: string;
  /** LFS only. */
  readonly sha256?: string;
  /** LFS only: the pointer text git stores. */
  readonly pointer?: Uint8Array;
  /** Declared with `syntheticXet`: the Xet layout a Xet repo serves it with. */
  readonly synthetic?: SyntheticXetFile;
}

export interface RepoFile {
  readonly type: "file";
  readonly path: string;
  readonly blob: StoredBlob;
  /** The most recent commit that changed this path. */
  readonly lastCommit: string;
}

export interface RepoDirectory {
  readonly type: "directory";
  readonly path: string;
  /** Git tree id. */
  readonly oid: string;
  readonly lastCommit: string;
}

export type RepoEntry = RepoFile | RepoDirectory;

export interface Commit {
  readonly sha: string;
  readonly parent?: string;
  readonly message: string;
  readonly date: Date;
  readonly tree: string;
  readonly files: ReadonlyMap<string, RepoFile>;
  readonly directories: ReadonlyMap<string, RepoDirectory>;
  /** Files and directories, sorted by path; a directory precedes its content. */
  readonly entries: readonly RepoEntry[];
}

export interface PushCommit {
  readonly repo: string;
  readonly type?: RepoType;
  /** Default: the default branch. A new branch starts from the default branch's head. */
  readonly branch?: string;
  /** Added or replaced files. */
  readonly files?: FileTree;
  readonly delete?: readonly string[];
  /** When true, `files` is the whole new snapshot. */
  readonly replace?: boolean;
  readonly message?: string;
  /** Also point this tag at the new commit (create or move it), as a force-pushed tag does. */
  readonly tag?: string;
}

const FIRST_COMMIT_DATE = Date.parse("2025-01-06T10:00:00Z");
const HOUR = 3_600_000;
const HEX_PREFIX = /^[0-9a-f]{4,40}$/;

export class HostedRepo {
  readonly id: string;
  readonly type: RepoType;
  readonly defaultBranch: string;
  readonly gated: GatedMode | false;
  readonly approvedTokens: ReadonlySet<string>;
  readonly private: boolean;
  readonly readers: ReadonlySet<string>;
  readonly renamedFrom: readonly string[];
  readonly info: Readonly<Record<string, unknown>>;
  readonly hostileTreeEntries: readonly string[];
  readonly xet: boolean;
  /** The `_id` of the info JSON: 24 hex digits like a Mongo ObjectId. */
  readonly objectId: string;
  /** The repository's segment of CDN URLs. */
  readonly storageId: string;
  readonly createdAt: Date;
  readonly commits = new Map<string, Commit>();
  readonly branches = new Map<string, string>();
  readonly tags = new Map<string, string>();
  readonly pullRequests = new Map<number, string>();
  private readonly pathsBySha256 = new Map<string, Set<string>>();

  constructor(decl: RepoDecl) {
    this.id = decl.id;
    this.type = decl.type ?? "model";
    this.defaultBranch = decl.defaultBranch ?? "main";
    this.gated = decl.gated ?? false;
    this.approvedTokens = new Set(decl.approvedTokens);
    this.private = decl.private ?? false;
    this.readers = new Set(decl.readers);
    this.renamedFrom = decl.renamedFrom ?? [];
    this.info = decl.info ?? {};
    this.hostileTreeEntries = decl.hostileTreeEntries ?? [];
    this.xet = decl.xet ?? false;
    const identity = sha256Hex(`${this.type}/${this.id}`);
    this.objectId = identity.slice(0, 24);
    this.storageId = identity;
    this.createdAt = new Date(FIRST_COMMIT_DATE - 24 * HOUR);
  }

  get head(): Commit {
    return this.commits.get(this.branches.get(this.defaultBranch)!)!;
  }

  /** Branch, tag, `refs/heads|tags/…`, `refs/pr/N`, `HEAD`, full commit or unique commit prefix. */
  resolveRevision(revision: string): Commit | undefined {
    const sha = this.revisionSha(revision);
    return sha === undefined ? undefined : this.commits.get(sha);
  }

  private revisionSha(revision: string): string | undefined {
    if (revision === "HEAD") return this.branches.get(this.defaultBranch);
    const named = this.branches.get(revision) ?? this.tags.get(revision);
    if (named) return named;
    const ref = /^refs\/(heads|tags|pr)\/(.+)$/.exec(revision);
    if (ref) {
      if (ref[1] === "heads") return this.branches.get(ref[2]!);
      if (ref[1] === "tags") return this.tags.get(ref[2]!);
      return /^\d+$/.test(ref[2]!) ? this.pullRequests.get(Number(ref[2])) : undefined;
    }
    if (!HEX_PREFIX.test(revision)) return undefined;
    if (this.commits.has(revision)) return revision;
    const matches = [...this.commits.keys()].filter((sha) => sha.startsWith(revision));
    return matches.length === 1 ? matches[0] : undefined;
  }

  /** Paths that hold the LFS object `sha256` in any commit. */
  pathsOfLfsObject(sha256: string): readonly string[] {
    return [...(this.pathsBySha256.get(sha256) ?? [])];
  }

  addCommit(commit: Commit): void {
    this.commits.set(commit.sha, commit);
    for (const file of commit.files.values()) {
      if (!file.blob.sha256) continue;
      const paths = this.pathsBySha256.get(file.blob.sha256) ?? new Set();
      paths.add(file.path);
      this.pathsBySha256.set(file.blob.sha256, paths);
    }
  }
}

export class RepoStore {
  private readonly repos = new Map<string, HostedRepo>();
  private readonly renames = new Map<string, HostedRepo>();
  private readonly byStorageId = new Map<string, HostedRepo>();
  private readonly lfsObjects = new Map<string, StoredBlob>();
  private readonly generatedBlobs = new Map<string, StoredBlob>();

  constructor(private readonly dataDir: string) {}

  add(decl: RepoDecl): HostedRepo {
    const repo = new HostedRepo(decl);
    const key = repoKey(repo.type, repo.id);
    if (this.repos.has(key) || this.renames.has(key)) throw new Error(`repository ${key} declared twice`);
    const commitDecls = decl.commits ?? [{ files: decl.files ?? {} }];
    if (commitDecls.length === 0) throw new Error(`repository ${key} has no commit`);
    const shas: string[] = [];
    commitDecls.forEach((commitDecl: CommitDecl, index) => {
      const parentIndex = commitDecl.parent === undefined ? index - 1 : commitDecl.parent;
      if (parentIndex !== null && (parentIndex < -1 || parentIndex >= index)) {
        throw new Error(`${key}: commit ${index} has parent ${parentIndex}, which is not an earlier commit`);
      }
      const parent = parentIndex === null || parentIndex < 0 ? undefined : repo.commits.get(shas[parentIndex]!);
      const files = this.materialiseTree(repo, commitDecl.files);
      const date = new Date(FIRST_COMMIT_DATE + index * HOUR);
      const commit = buildCommit(files, parent, commitDecl.message ?? defaultMessage(repo, index), date);
      repo.addCommit(commit);
      shas.push(commit.sha);
    });
    const pointAt = (what: string, index: number) => {
      const sha = shas[index];
      if (!sha) throw new Error(`${key}: ${what} points at commit ${index}, which does not exist`);
      return sha;
    };
    repo.branches.set(repo.defaultBranch, shas[shas.length - 1]!);
    for (const [name, index] of Object.entries(decl.branches ?? {})) repo.branches.set(name, pointAt(`branch ${name}`, index));
    for (const [name, index] of Object.entries(decl.tags ?? {})) repo.tags.set(name, pointAt(`tag ${name}`, index));
    for (const [number, index] of Object.entries(decl.pullRequests ?? {})) {
      repo.pullRequests.set(Number(number), pointAt(`PR ${number}`, index));
    }
    this.repos.set(key, repo);
    this.byStorageId.set(repo.storageId, repo);
    for (const oldId of repo.renamedFrom) this.renames.set(repoKey(repo.type, oldId), repo);
    for (const commit of repo.commits.values()) this.indexLfsObjects(commit);
    return repo;
  }

  find(type: RepoType, id: string): HostedRepo | undefined {
    return this.repos.get(repoKey(type, id));
  }

  /** The repository an old id was renamed to. */
  renamedTo(type: RepoType, oldId: string): HostedRepo | undefined {
    return this.renames.get(repoKey(type, oldId));
  }

  findByStorageId(storageId: string): HostedRepo | undefined {
    return this.byStorageId.get(storageId);
  }

  lfsObject(sha256: string): StoredBlob | undefined {
    return this.lfsObjects.get(sha256);
  }

  all(): HostedRepo[] {
    return [...this.repos.values()];
  }

  pushCommit(push: PushCommit): Commit {
    const type = push.type ?? "model";
    const repo = this.find(type, push.repo);
    if (!repo) throw new Error(`no repository ${repoKey(type, push.repo)}`);
    const branch = push.branch ?? repo.defaultBranch;
    const parent = repo.commits.get(repo.branches.get(branch) ?? repo.branches.get(repo.defaultBranch)!)!;
    const files = new Map<string, StoredBlob>();
    if (!push.replace) for (const [path, file] of parent.files) files.set(path, file.blob);
    for (const path of push.delete ?? []) files.delete(path);
    for (const [path, blob] of this.materialiseTree(repo, push.files ?? {})) files.set(path, blob);
    const message = push.message ?? `Update ${repo.id} on ${branch}`;
    const commit = buildCommit(files, parent, message, new Date(parent.date.getTime() + HOUR));
    repo.addCommit(commit);
    repo.branches.set(branch, commit.sha);
    if (push.tag) repo.tags.set(push.tag, commit.sha);
    this.indexLfsObjects(commit);
    return commit;
  }

  private indexLfsObjects(commit: Commit): void {
    for (const file of commit.files.values()) {
      if (file.blob.sha256) this.lfsObjects.set(file.blob.sha256, file.blob);
    }
  }

  private materialiseTree(repo: HostedRepo, tree: FileTree): Map<string, StoredBlob> {
    const files = new Map<string, StoredBlob>();
    for (const [path, entry] of Object.entries(tree)) {
      validateRepoPath(path);
      const decl = toFileDecl(entry);
      files.set(path, this.materialiseBlob(`${repo.type}/${repo.id}/${path}`, path, decl.content, decl.lfs));
    }
    return files;
  }

  private materialiseBlob(defaultSeed: string, path: string, content: FileContent, lfsOverride: boolean | undefined): StoredBlob {
    if (isSyntheticXet(content)) return this.materialiseSynthetic(defaultSeed, path, content.syntheticXet, lfsOverride);
    if (!isGenerated(content)) {
      const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
      return makeBlob(bytes, lfsOverride ?? isLfsByDefault(path, bytes.byteLength));
    }
    const { size, seed = defaultSeed, dir = this.dataDir } = content.generated;
    const lfs = lfsOverride ?? isLfsByDefault(path, size);
    const key = `${seed}\0${size}\0${lfs}`;
    const known = this.generatedBlobs.get(key);
    if (known) return known;
    let blob: StoredBlob;
    if (size < ON_DISK_MIN_SIZE) {
      blob = makeBlob(generateBytes(seed, size), lfs);
    } else {
      const file = generatedFile(dir, seed, size);
      blob = makeBlob(file.bytes, lfs, file.sha256);
    }
    this.generatedBlobs.set(key, blob);
    return blob;
  }

  private materialiseSynthetic(
    defaultSeed: string,
    path: string,
    { size, seed = defaultSeed, xorbBytes }: SyntheticXetContent["syntheticXet"],
    lfsOverride: boolean | undefined,
  ): StoredBlob {
    const lfs = lfsOverride ?? isLfsByDefault(path, size);
    const key = `synthetic-xet\0${seed}\0${size}\0${xorbBytes}\0${lfs}`;
    const known = this.generatedBlobs.get(key);
    if (known) return known;
    const synthetic = new SyntheticXetFile(seed, size, xorbBytes);
    let plain: { bytes: BodyBytes; sha256?: string };
    if (size < ON_DISK_MIN_SIZE) {
      plain = { bytes: Buffer.concat([...synthetic.plainBlocks()]) };
    } else {
      // Written once and mapped: serving them then costs the hub no CPU, as for the bridge's bytes.
      const name = `xet-v${SyntheticXetFile.VERSION}-${sha256Hex(seed).slice(0, 16)}-${size}-${synthetic.xorbBytes}`;
      plain = cachedFile(this.dataDir, name, size, () => synthetic.plainBlocks());
      synthetic.serveFrom(cachedFile(this.dataDir, `${name}-xorbs`, synthetic.xorbsSize, () => synthetic.xorbBlocks()).bytes);
    }
    const blob = { ...makeBlob(plain.bytes, lfs, plain.sha256), synthetic };
    this.generatedBlobs.set(key, blob);
    return blob;
  }
}

function repoKey(type: RepoType, id: string): string {
  return `${type}s/${id}`;
}

function defaultMessage(repo: HostedRepo, index: number): string {
  return index === 0 ? `Initial commit of ${repo.id}` : `Update ${repo.id} (${index + 1})`;
}

function validateRepoPath(path: string): void {
  const segments = path.split("/");
  if (path === "" || segments.some((segment) => segment === "" || segment === "." || segment === "..")) {
    throw new Error(`invalid repository path ${JSON.stringify(path)}`);
  }
}

function makeBlob(bytes: BodyBytes, lfs: boolean, knownSha256?: string): StoredBlob {
  if (!lfs) return { size: bytes.byteLength, lfs, bytes, oid: gitBlobSha1(bytesIn(bytes)) };
  const sha256 = knownSha256 ?? sha256Hex(bytesIn(bytes));
  const pointer = lfsPointer(sha256, bytes.byteLength);
  return { size: bytes.byteLength, lfs, bytes, oid: gitBlobSha1(pointer), sha256, pointer };
}

function buildCommit(blobs: ReadonlyMap<string, StoredBlob>, parent: Commit | undefined, message: string, date: Date): Commit {
  const treeIds = gitTreeIds(new Map([...blobs].map(([path, blob]) => [path, blob.oid])));
  const tree = treeIds.get("")!;
  const sha = gitCommitId({ tree, parent: parent?.sha, message, date });
  const files = new Map<string, RepoFile>();
  for (const [path, blob] of blobs) {
    const previous = parent?.files.get(path);
    const lastCommit = previous && previous.blob.oid === blob.oid ? previous.lastCommit : sha;
    files.set(path, { type: "file", path, blob, lastCommit });
  }
  const directories = new Map<string, RepoDirectory>();
  for (const [path, oid] of treeIds) {
    if (path === "") continue;
    const previous = parent?.directories.get(path);
    const lastCommit = previous && previous.oid === oid ? previous.lastCommit : sha;
    directories.set(path, { type: "directory", path, oid, lastCommit });
  }
  const entries = [...directories.values(), ...files.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { sha, parent: parent?.sha, message, date, tree, files, directories, entries };
}
