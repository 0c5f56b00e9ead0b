/**
 * Rules that span models: unique ids, and folders that neither coincide nor nest (plain layout only:
 * with layout hf a model lives in its repository's folder and local_dir has no effect).
 * They run on the raw parsed value, so they still report when other fields are invalid.
 */
import type { ConfigIssue } from "../errors.ts";
import { quote } from "./describe.ts";
import { directoryKey, normaliseLocalDir } from "./local-dir.ts";
import { type DocumentLocator, type DocumentPath, formatPath } from "./positions.ts";
import { modelIdProblem } from "./rules.ts";

interface ModelFolder {
  readonly index: number;
  readonly label: string;
  readonly dir: string;
  readonly field: "local_dir" | "id";
}

export function crossModelIssues(value: unknown, locator: DocumentLocator): ConfigIssue[] {
  const models = modelEntries(value);
  const issues: ConfigIssue[] = [];
  const issueAt = (path: DocumentPath, message: string): void => {
    issues.push({ path: formatPath(path), message, ...locator.locate(path) });
  };
  const describeModel = (index: number, label: string): string => {
    const line = locator.locate(["models", index])?.line;
    return `model ${label} (models[${index}]${line === undefined ? "" : `, line ${line}`})`;
  };

  const firstWithId = new Map<string, number>();
  const folders: ModelFolder[] = [];
  const hasFolders = !(isRecord(value) && value.layout === "hf");
  for (const [index, model] of models) {
    const id = validId(model.id);
    const label = id === undefined ? `models[${index}]` : quote(id);
    const earlier = id === undefined ? undefined : firstWithId.get(id);
    if (id !== undefined && earlier === undefined) firstWithId.set(id, index);
    if (id !== undefined && earlier !== undefined) {
      issueAt(["models", index, "id"], `duplicate id ${quote(id)}; ${describeModel(earlier, quote(id))} already uses it`);
      // Its default folder clashes too, but the duplicate id already says why.
      if (model.local_dir === undefined) continue;
    }

    if (typeof model.local_dir === "string") {
      const result = normaliseLocalDir(model.local_dir);
      if ("dir" in result) folders.push({ index, label, dir: result.dir, field: "local_dir" });
    } else if (model.local_dir === undefined && id !== undefined) {
      const result = normaliseLocalDir(id);
      if ("dir" in result) folders.push({ index, label, dir: result.dir, field: "id" });
      else issueAt(["models", index, "id"], `cannot be the model's folder name (used when local_dir is absent): it ${result.problem}; set local_dir`);
    }
  }

  for (const clash of hasFolders ? folderClashes(folders) : []) {
    const { folder, other, relation } = clash;
    const otherModel = describeModel(other.index, other.label);
    const message =
      relation === "same"
        ? `folder ${quote(folder.dir)} of model ${folder.label} is also the folder of ${otherModel}${
            folder.dir === other.dir ? "" : ` (${quote(other.dir)}, the same on the case- and normalization-insensitive file systems of macOS and Windows)`
          }; give each model its own local_dir`
        : relation === "inside"
          ? `folder ${quote(folder.dir)} of model ${folder.label} is inside folder ${quote(other.dir)} of ${otherModel}; model folders must not nest`
          : `folder ${quote(folder.dir)} of model ${folder.label} contains folder ${quote(other.dir)} of ${otherModel}; model folders must not nest`;
    issueAt(["models", folder.index, folder.field], message);
  }
  return issues;
}

interface FolderClash {
  readonly folder: ModelFolder;
  readonly other: ModelFolder;
  readonly relation: "same" | "inside" | "contains";
}

/** Each folder against the ones before it, via maps of folders and of their ancestors: no n² scan. */
function folderClashes(folders: readonly ModelFolder[]): FolderClash[] {
  const byKey = new Map<string, ModelFolder>();
  const byAncestor = new Map<string, ModelFolder>();
  const clashes: FolderClash[] = [];
  for (const folder of folders) {
    const key = directoryKey(folder.dir);
    const ancestors = ancestorsOf(key);
    const same = byKey.get(key);
    const outer = ancestors.map((ancestor) => byKey.get(ancestor)).find((found) => found !== undefined);
    const inner = byAncestor.get(key);
    if (same) clashes.push({ folder, other: same, relation: "same" });
    else if (outer) clashes.push({ folder, other: outer, relation: "inside" });
    else if (inner) clashes.push({ folder, other: inner, relation: "contains" });
    if (!byKey.has(key)) byKey.set(key, folder);
    for (const ancestor of ancestors) if (!byAncestor.has(ancestor)) byAncestor.set(ancestor, folder);
  }
  return clashes;
}

function ancestorsOf(dir: string): string[] {
  const ancestors: string[] = [];
  for (let slash = dir.indexOf("/"); slash !== -1; slash = dir.indexOf("/", slash + 1)) {
    ancestors.push(dir.slice(0, slash));
  }
  return ancestors;
}

function modelEntries(value: unknown): [number, Record<string, unknown>][] {
  const models = isRecord(value) ? value.models : undefined;
  if (!Array.isArray(models)) return [];
  return models.flatMap((model, index): [number, Record<string, unknown>][] => (isRecord(model) ? [[index, model]] : []));
}

function validId(id: unknown): string | undefined {
  return typeof id === "string" && modelIdProblem(id) === undefined ? id : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
