import type { RemoteFile, RepoRef } from "../hub/api.ts";
import type { HubHttp } from "../hub/http.ts";
import { RemoteFileSource } from "../hub/file-source.ts";
import type { Logger } from "../output/logger.ts";
import type { ByteSource } from "./byte-source.ts";
import { XetWithBridgeFallback } from "./xet/bridge-fallback.ts";
import type { ChunkCatalog } from "./xet/chunk-map.ts";
import { XetFileSource } from "./xet/xet-file-source.ts";

/**
 * Where a file's bytes come from on the Hub: natively from Xet storage when the tree lists a
 * `xetHash` (unless MODEL_MANAGER_XET=0 or HF_HUB_DISABLE_XET=1), with the bridge (`/resolve/`)
 * as the fallback; the bridge alone otherwise.
 */
export function hubFileSource(
  http: HubHttp,
  repo: RepoRef,
  commit: string,
  file: RemoteFile,
  identity: string,
  logger: Logger,
  options: { readonly reuse?: ChunkCatalog; readonly bridgeOnly?: boolean } = {},
): ByteSource {
  const context = http.requestContext(repo, commit);
  const bridge = new RemoteFileSource(http, context, { path: file.path, size: file.size, identity });
  if (!file.xetHash) return bridge;
  const what = `"${file.path}" in ${repo.repoId}`;
  if (!goesThroughXet(http, file) || options.bridgeOnly) {
    logger.debug(`${what}: through the Hub's bridge (${options.bridgeOnly ? "after wrong bytes through Xet" : "Xet switched off"})`);
    return bridge;
  }
  logger.debug(`${what}: through Xet`);
  return new XetWithBridgeFallback(new XetFileSource(http, { ...context, path: file.path }, file.xetHash, file.size, options.reuse), bridge, logger, what);
}

/** Whether hubFileSource fetches the file through Xet first. */
export function goesThroughXet(http: HubHttp, file: RemoteFile): boolean {
  return file.xetHash !== undefined && http.settings.xet !== false;
}
