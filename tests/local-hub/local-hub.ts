/** The local Hugging Face Hub: a hub listener, a CDN listener on another host name, faults and a request log. */
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAdminHandler } from "./admin.ts";
import { CdnSigner } from "./cdn-signing.ts";
import { sha256Hex } from "./content.ts";
import { type AdminHandler, Dispatcher, type HubSettings, type XetCas } from "./dispatch.ts";
import { type Fault, FaultBook, type InjectedFault, type Throttle } from "./faults.ts";
import { type RepoDecl, type RepoType, TEST_TOKENS } from "./fixtures.ts";
import { type HttpListener, listenHttp } from "./http/server.ts";
import { bytesIn } from "./http/body.ts";
import { type HostedRepo, type PushCommit, RepoStore, type StoredBlob } from "./repo-store.ts";
import { RequestLog, type RequestRecord, type RequestTotals } from "./request-log.ts";
import { ADMIN_PREFIX } from "./routes.ts";
import { XetTokens } from "./xet-handlers.ts";
import { XetStore } from "./xet-store.ts";

export interface LocalHubOptions {
  readonly repos?: readonly RepoDecl[];
  /** Where large generated files are cached; default `<tmpdir>/model-manager-local-hub`. */
  readonly dataDir?: string;
  /** Valid tokens, besides those the repos name; default `TEST_TOKENS.user` and `TEST_TOKENS.approved`. */
  readonly tokens?: readonly string[];
  /** Address both listeners bind; default 127.0.0.1 (and ::1 for the hub when it is called localhost). */
  readonly bindAddress?: string;
  /** Host name in the hub URL; default "localhost". */
  readonly hostname?: string;
  /** Host name in CDN URLs; must differ from `hostname` so clients see a cross-host redirect; default "127.0.0.1". */
  readonly cdnHostname?: string;
  readonly port?: number;
  readonly cdnPort?: number;
  /** Entries per /tree page; default 1000 (§2). */
  readonly treePageSize?: number;
  /** Entries per /tree page with expand=true; default 50 (§2). */
  readonly treePageSizeExpand?: number;
  /** Lifetime of signed CDN URLs; default 3600 s. */
  readonly cdnUrlTtlSeconds?: number;
  readonly cdnSigningSecret?: string;
  /** Regular files: 307 to /api/resolve-cache (default, as since mid-2025) or 200 on /resolve/ itself. */
  readonly regularFileRedirect?: boolean;
  /**
   * Informational `RateLimit` headers, counted per 5-minute window (default on). Off for benchmarks:
   * the quota is never enforced here, but a client that paces itself by it would slow down.
   */
  readonly rateLimitHeaders?: boolean;
  /** Lifetime of Xet access tokens (on the CDN clock); default 3600 s. */
  readonly xetTokenTtlSeconds?: number;
  /** false: the CAS answers /v2/reconstructions with 404, as an older CAS; default true. */
  readonly xetReconstructionV2?: boolean;
  readonly throttle?: Throttle;
  /** Called when the admin API receives POST /__admin/shutdown (after the hub stopped). */
  readonly onShutdown?: () => void;
}

export interface HubConfiguration extends HubSettings {
  cdnUrlTtlSeconds: number;
}

/** A file as served, for assertions. */
export interface ServedFile {
  readonly commit: string;
  readonly path: string;
  readonly size: number;
  readonly lfs: boolean;
  /** Git blob id (of the pointer for LFS files). */
  readonly oid: string;
  /** sha256 of the content, for every file. */
  readonly sha256: string;
  readonly bytes: Uint8Array;
}

export class LocalHub implements AsyncDisposable {
  readonly url: string;
  readonly cdnUrl: string;
  readonly adminUrl: string;
  private readonly tokens: Set<string>;
  private stopped = false;

  private constructor(
    private readonly store: RepoStore,
    private readonly faultBook: FaultBook,
    private readonly log: RequestLog,
    private readonly signer: CdnSigner,
    private readonly settings: HubSettings,
    tokens: Set<string>,
    private readonly listeners: { hub: HttpListener; cdn: HttpListener },
    hostname: string,
    cdnHostname: string,
    private readonly xetCas: XetCas,
  ) {
    this.tokens = tokens;
    this.url = `http://${hostname}:${listeners.hub.port}`;
    this.cdnUrl = `http://${cdnHostname}:${listeners.cdn.port}`;
    this.adminUrl = `${this.url}${ADMIN_PREFIX.slice(0, -1)}`;
  }

  static async start(options: LocalHubOptions = {}): Promise<LocalHub> {
    const hostname = options.hostname ?? "localhost";
    const cdnHostname = options.cdnHostname ?? "127.0.0.1";
    if (hostname === cdnHostname) throw new Error("the CDN host name must differ from the hub's, as on the real Hub");
    const store = new RepoStore(options.dataDir ?? join(tmpdir(), "model-manager-local-hub"));
    const tokens = new Set<string>(options.tokens ?? [TEST_TOKENS.user, TEST_TOKENS.approved]);
    for (const decl of options.repos ?? []) addRepo(store, tokens, decl);
    const faultBook = new FaultBook();
    faultBook.throttle = options.throttle ?? {};
    const log = new RequestLog();
    const signer = new CdnSigner(options.cdnSigningSecret, options.cdnUrlTtlSeconds ?? 3600);
    const settings: HubSettings = {
      treePageSize: options.treePageSize ?? 1000,
      treePageSizeExpand: options.treePageSizeExpand ?? 50,
      regularFileRedirect: options.regularFileRedirect ?? true,
      rateLimitHeaders: options.rateLimitHeaders ?? true,
      xetTokenTtlSeconds: options.xetTokenTtlSeconds ?? 3600,
      xetReconstructionV2: options.xetReconstructionV2 ?? true,
    };
    const xet = { store: new XetStore((hash) => xetContent(store, hash)), tokens: new XetTokens(), wrongUnpackedLength: 0 };
    let hub: LocalHub | undefined;
    let admin: AdminHandler | undefined;
    const dispatcher = new Dispatcher({
      store,
      faults: faultBook,
      log,
      signer,
      settings,
      validTokens: tokens,
      hubUrl: () => hub!.url,
      cdnUrl: () => hub!.cdnUrl,
      admin: (action, request, query) => admin!(action, request, query),
      xet,
    });
    const bindAddress = options.bindAddress ?? "127.0.0.1";
    const hubListener = listenHttp({
      hostname: bindAddress,
      port: options.port ?? 0,
      handler: dispatcher.handleHub,
      alsoOn: hostname === "localhost" && bindAddress === "127.0.0.1" ? ["::1"] : [],
    });
    const cdnListener = listenHttp({ hostname: bindAddress, port: options.cdnPort ?? 0, handler: dispatcher.handleCdn });
    hub = new LocalHub(store, faultBook, log, signer, settings, tokens, { hub: hubListener, cdn: cdnListener }, hostname, cdnHostname, xet);
    admin = createAdminHandler(hub, options.onShutdown);
    return hub;
  }

  /** Makes matching requests misbehave, `fault.times` times (default once). */
  inject(fault: Fault): InjectedFault {
    return this.faultBook.inject(fault);
  }

  clearFaults(): void {
    this.faultBook.clear();
  }

  get faults(): readonly InjectedFault[] {
    return this.faultBook.all;
  }

  /** Global bandwidth per file download and latency per request; `{}` lifts both. */
  setThrottle(throttle: Throttle): void {
    this.faultBook.throttle = throttle;
  }

  get throttle(): Throttle {
    return this.faultBook.throttle;
  }

  get requests(): readonly RequestRecord[] {
    return this.log.records;
  }

  get totals(): RequestTotals {
    return this.log.totals();
  }

  get tokenSeenAtCdn(): boolean {
    return this.log.tokenSeenAtCdn;
  }

  resetLog(): void {
    this.log.reset();
  }

  get configuration(): HubConfiguration {
    return { ...this.settings, cdnUrlTtlSeconds: this.signer.ttlSeconds };
  }

  /** Changes settings of the running hub; throws TypeError on an unknown key or a wrong type. */
  configure(changes: Partial<HubConfiguration>): void {
    const current = this.configuration;
    for (const [key, value] of Object.entries(changes)) {
      if (!(key in current)) throw new TypeError(`unknown setting ${key}`);
      const expected = typeof current[key as keyof HubConfiguration];
      if (typeof value !== expected || (expected === "number" && !(Number.isSafeInteger(value) && (value as number) > 0))) {
        throw new TypeError(`${key} must be ${expected === "number" ? "a positive integer" : `a ${expected}`}`);
      }
    }
    const { cdnUrlTtlSeconds, ...settings } = changes;
    if (cdnUrlTtlSeconds !== undefined) this.signer.ttlSeconds = cdnUrlTtlSeconds;
    Object.assign(this.settings, settings);
  }

  /** The next `times` reconstruction answers announce a wrong `unpacked_length` for their first term (a Xet fault). */
  injectWrongUnpackedLength(times = 1): void {
    this.xetCas.wrongUnpackedLength += times;
  }

  /** The Xet file id the hub lists for a file of a Xet repo, or undefined. */
  xetHash(id: string, path: string, options: { type?: RepoType; revision?: string } = {}): string | undefined {
    const repo = this.repo(id, options.type);
    const sha256 = repo?.xet ? repo.resolveRevision(options.revision ?? "HEAD")?.files.get(path)?.blob.sha256 : undefined;
    return sha256 ? XetStore.xetHashOf(sha256) : undefined;
  }

  /** Moves the CDN's clock, so signed URLs expire without waiting. */
  advanceCdnClock(seconds: number): void {
    this.signer.clockOffsetSeconds += seconds;
  }

  /** Simulates an upstream change: a new commit on a branch. Returns its sha. */
  pushCommit(push: PushCommit): string {
    return this.store.pushCommit(push).sha;
  }

  addRepo(decl: RepoDecl): void {
    addRepo(this.store, this.tokens, decl);
  }

  repo(id: string, type: RepoType = "model"): HostedRepo | undefined {
    return this.store.find(type, id);
  }

  get repos(): readonly HostedRepo[] {
    return this.store.all();
  }

  /** The file as served at `revision` (default: the default branch), or undefined. */
  file(id: string, path: string, options: { type?: RepoType; revision?: string } = {}): ServedFile | undefined {
    const commit = this.repo(id, options.type)?.resolveRevision(options.revision ?? "HEAD");
    const file = commit?.files.get(path);
    if (!commit || !file) return undefined;
    const { blob } = file;
    return {
      commit: commit.sha,
      path,
      size: blob.size,
      lfs: blob.lfs,
      oid: blob.oid,
      sha256: blob.sha256 ?? sha256Hex(bytesIn(blob.bytes)),
      // In one array only when asked: a file over 4 GiB is served in pieces and cannot be.
      get bytes() {
        return bytesIn(blob.bytes);
      },
    };
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.listeners.hub.stop();
    this.listeners.cdn.stop();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

/** The LFS object of a Xet repo whose Xet file id is `xetHash`. */
function xetContent(store: RepoStore, xetHash: string): StoredBlob | undefined {
  for (const repo of store.all()) {
    if (!repo.xet) continue;
    for (const commit of repo.commits.values()) {
      for (const file of commit.files.values()) {
        if (file.blob.sha256 && XetStore.xetHashOf(file.blob.sha256) === xetHash) return file.blob;
      }
    }
  }
  return undefined;
}

function addRepo(store: RepoStore, tokens: Set<string>, decl: RepoDecl): void {
  store.add(decl);
  for (const token of [...(decl.approvedTokens ?? []), ...(decl.readers ?? [])]) tokens.add(token);
}
