/** Git tree and commit ids, computed as git does, so directory oids and commit shas look and behave like real ones. */
import { gitObjectSha1 } from "./content.ts";

interface TreeEntry {
  readonly name: string;
  readonly isDirectory: boolean;
  oid: string;
}

/** Maps every directory ("" for the root) of a file set to its git tree id. `files` maps path → blob oid. */
export function gitTreeIds(files: ReadonlyMap<string, string>): Map<string, string> {
  const children = new Map<string, Map<string, TreeEntry>>([["", new Map()]]);
  for (const [path, oid] of files) {
    const parts = path.split("/");
    let directory = "";
    for (let depth = 0; depth < parts.length; depth++) {
      const name = parts[depth]!;
      const isDirectory = depth < parts.length - 1;
      const entries = children.get(directory)!;
      if (!entries.has(name)) entries.set(name, { name, isDirectory, oid: isDirectory ? "" : oid });
      if (!isDirectory) break;
      directory = directory === "" ? name : `${directory}/${name}`;
      if (!children.has(directory)) children.set(directory, new Map());
    }
  }
  const ids = new Map<string, string>();
  // Deepest directories first, so every subtree id is known before its parent is hashed.
  const directories = [...children.keys()].sort((a, b) => depthOf(b) - depthOf(a));
  for (const directory of directories) {
    const entries = [...children.get(directory)!.values()];
    for (const entry of entries) {
      if (entry.isDirectory) entry.oid = ids.get(directory === "" ? entry.name : `${directory}/${entry.name}`)!;
    }
    ids.set(directory, gitObjectSha1("tree", encodeTree(entries)));
  }
  return ids;
}

function depthOf(directory: string): number {
  return directory === "" ? 0 : directory.split("/").length;
}

function encodeTree(entries: TreeEntry[]): Uint8Array {
  // Git orders a directory as if its name ended with "/".
  const sortKey = (entry: TreeEntry) => Buffer.from(entry.isDirectory ? `${entry.name}/` : entry.name);
  const sorted = entries.map((entry) => ({ entry, key: sortKey(entry) })).sort((a, b) => Buffer.compare(a.key, b.key));
  const parts: Buffer[] = [];
  for (const { entry } of sorted) {
    parts.push(Buffer.from(`${entry.isDirectory ? "40000" : "100644"} ${entry.name}\0`), Buffer.from(entry.oid, "hex"));
  }
  return Buffer.concat(parts);
}

export interface CommitObject {
  readonly tree: string;
  readonly parent?: string;
  readonly message: string;
  readonly date: Date;
  readonly author?: string;
}

const DEFAULT_AUTHOR = "Local Hub <hub@localhost>";

export function gitCommitId(commit: CommitObject): string {
  const author = `${commit.author ?? DEFAULT_AUTHOR} ${Math.floor(commit.date.getTime() / 1000)} +0000`;
  const lines = [`tree ${commit.tree}`];
  if (commit.parent) lines.push(`parent ${commit.parent}`);
  lines.push(`author ${author}`, `committer ${author}`, "", commit.message);
  return gitObjectSha1("commit", Buffer.from(`${lines.join("\n")}\n`));
}
