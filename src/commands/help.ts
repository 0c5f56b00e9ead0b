type HelpSection = { title?: string; body: string };

export const HELP_EXAMPLES = [
  "model-manager                                   # every model of config/model_manager/models.yaml",
  "model-manager --config models.yaml --model all-MiniLM-L12-v2",
  "CI_MINIMAL_MODELS=true model-manager            # the minimal set, for CI",
  "model-manager --list                            # status of every configured model",
  "model-manager --verify-only --verify sha256     # re-hash the cache, no network",
  "model-manager --clean-model Qwen/Qwen3-0.6B --dry-run",
  "model-manager --list --refresh                  # which cached models are behind their branch",
  "model-manager --refresh                         # update them (only changed files)",
  "model-manager --cache-key                       # key for actions/cache",
  "model-manager lock                              # pin every model: writes models.lock.json beside the config",
  "model-manager --frozen                          # download exactly what the lock pins (Docker, CI)",
  "model-manager sbom --output models.cdx.json     # CycloneDX 1.6 SBOM of the locked models",
  "model-manager push s3://ml-models/hf            # fill the fleet's mirror (S3_* credentials)",
  "MODEL_MANAGER_MIRROR=s3://ml-models/hf model-manager   # pull from the mirror, the Hub only for what it lacks",
];

const COMMANDS = `(none)  download and verify the configured models (the default)
add     append a model to the configuration (model-manager add --help)
lock    pin the models in the committed lock <config name>.lock.json beside the configuration (all again with --refresh)
sbom    print a CycloneDX 1.6 JSON SBOM of the locked models (--output FILE to write it to a file)
push    upload the verified models to a mirror: push s3://bucket/prefix`;

const EXIT_CODES = `0    success
1    download, network, mirror or filesystem failure (retries exhausted, disk full, cache not writable)
2    usage or configuration error; invalid lock; --locked or --frozen without a usable lock
3    verification failed (also: a file disagrees with the committed lock)
4    not found (model id, repository, revision, file or pattern; or not cached with --verify-only / HF_HUB_OFFLINE)
5    access denied (token missing, invalid, or not approved for a gated repository; mirror credentials refused)
130  interrupted (partial downloads are kept and resume on the next run)`;

/** README's Environment table, in its order and with every variable it names (tests/docs/environment.test.ts). */
const ENVIRONMENT = `CI_MINIMAL_MODELS=true|1|yes        default to models.minimal.yaml
HF_TOKEN, HUGGING_FACE_HUB_TOKEN    token for gated and private repositories
HF_TOKEN_PATH, HF_HOME              token file (default ~/.cache/huggingface/token)
HF_ENDPOINT                         Hub endpoint or mirror (default https://huggingface.co)
HF_HUB_OFFLINE=1                    never touch the network; cached models only
HF_HUB_DOWNLOAD_TIMEOUT             seconds without data before a connection is retried (default 30)
MODEL_MANAGER_MIN_SPEED             bytes/s below which a body counts as stalled (KiB, MiB; default 1KiB; 0: never)
HF_HUB_DISABLE_PROGRESS_BARS=1      plain progress lines even on a terminal (so does TERM=dumb)
HF_HUB_CACHE, HUGGINGFACE_HUB_CACHE, HF_HOME, XDG_CACHE_HOME
                                    layout: hf without cache_dir: where the Hugging Face cache is
HF_HUB_DISABLE_SYMLINKS=1           layout: hf: files in the snapshots, no blobs and symlinks
HF_HUB_ENABLE_HF_TRANSFER           accepted and ignored (downloads are always parallel and ranged)
HF_DEVICE_CODE_OAUTH_CLIENT_ID      OAuth client id that refreshes an \`hf auth login\` browser login
HOME                                ~ in paths; the default token file and Hugging Face cache
MODEL_MANAGER_XET=0, HF_HUB_DISABLE_XET=1
                                    Xet files through the Hub's bridge, not natively
MODEL_MANAGER_SKIP_SPACE_CHECK=1    skip the free-space check (filesystems that misreport it)
HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY
                                    proxies for Hub and CDN requests
NODE_EXTRA_CA_CERTS, NODE_USE_SYSTEM_CA=1
                                    trust a private CA (mirror, TLS-inspecting proxy)
MODEL_MANAGER_MIRROR                mirrors to read first, comma-separated (s3://bucket/prefix or https://…)
S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, S3_SESSION_TOKEN, S3_ENDPOINT, S3_REGION (or AWS_*)
                                    S3 mirror credentials, endpoint and region (never in the configuration)
MODEL_MANAGER_CONNECTIONS, MODEL_MANAGER_CONNECTIONS_PER_FILE, MODEL_MANAGER_FILE_CONCURRENCY,
MODEL_MANAGER_CHUNK_SIZE, MODEL_MANAGER_RANGED_THRESHOLD, MODEL_MANAGER_XET_RANGED_THRESHOLD,
MODEL_MANAGER_MAX_ATTEMPTS, MODEL_MANAGER_RETRY_BASE_MS
                                    engine tuning (see README, Performance)`;

/** cac's help, with the sections a user of a CI tool looks for. */
export function helpSections(sections: HelpSection[]): HelpSection[] {
  const withoutCommands = sections.filter((section) => section.title !== "Commands" && !section.body.includes("For more info, run any command"));
  const all = [...withoutCommands, { title: "Commands", body: indent(COMMANDS) }, { title: "Exit codes", body: indent(EXIT_CODES) }, { title: "Environment", body: indent(ENVIRONMENT) }];
  // cac pads every option line to a column, leaving trailing spaces.
  return all.map((section) => ({ ...section, body: trimLineEnds(section.body) }));
}

function trimLineEnds(text: string): string {
  return text
    .split("\n")
    .map((line) => line.trimEnd())
    .join("\n");
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => `  ${line}`)
    .join("\n");
}
