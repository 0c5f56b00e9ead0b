import { join } from "node:path";
import { resolveInside } from "../cache/layout.ts";
import type { FileRoot, StoredFile } from "./types.ts";

/** A plain folder: each file at its own path inside it. */
export function folderRoot(root: string): FileRoot {
  return { root, relativePath: (file) => file.path };
}

/** Where `file` would be under `where`, joined without any check: for messages about what is there instead. */
export function lexicalPath(where: string | FileRoot, file: StoredFile): string {
  const [root, relative] = typeof where === "string" ? [where, file.path] : [where.root, where.relativePath(file)];
  return join(root, ...relative.split("/"));
}

/**
 * Absolute path of `file` under `where` (a folder, or a FileRoot of a layout),
 * through the one gate that refuses paths escaping the root.
 */
export function locate(where: string | FileRoot, file: StoredFile, source?: string): string {
  if (typeof where === "string") return resolveInside(where, file.path, source);
  return resolveInside(where.root, where.relativePath(file), source);
}
