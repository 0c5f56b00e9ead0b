/**
 * The `@huggingface/hub` peer: `bun hfjs-snapshot.ts HUB_URL REPO_ID CACHE_DIR`.
 * Our hub sends no Xet headers, so every file takes the plain resolve → CDN path.
 */
import { snapshotDownload } from "@huggingface/hub";

const [hubUrl, repoId, cacheDir] = process.argv.slice(2);
if (!hubUrl || !repoId || !cacheDir) {
  console.error("usage: bun hfjs-snapshot.ts HUB_URL REPO_ID CACHE_DIR");
  process.exit(2);
}
// It logs one line per file on console.debug.
console.debug = () => {};
await snapshotDownload({ repo: { type: "model", name: repoId }, cacheDir, hubUrl });
