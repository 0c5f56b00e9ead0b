/**
 * Checks on single string values of a configuration. Each returns what is wrong,
 * phrased to follow the field path, or undefined when the value is fine.
 */
import { quote } from "./describe.ts";

const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

export function modelIdProblem(id: string): string | undefined {
  if (id.trim() === "") return "must not be empty";
  if (CONTROL_CHARACTER.test(id)) return "must not contain control characters";
  if (id.trim() !== id) return "must not start or end with whitespace";
  return undefined;
}

const REPO_NAME_MAX_LENGTH = 96;
const REPO_ID_CHARACTER = /^[A-Za-z0-9._-]$/;

/** The Hub's rule (huggingface_hub `validate_repo_id`), checked part by part for a precise message. */
export function repoIdProblem(repoId: string): string | undefined {
  if (repoId === "") return "must not be empty";
  const parts = repoId.split("/");
  if (parts.length > 2 || parts.some((part) => part === "")) {
    const fromUrl = repoIdInHubUrl(repoId);
    return `must be "name" or "org/name", found ${quote(repoId)}${fromUrl ? `; the repository of that address is ${quote(fromUrl.repoId)}${fromUrl.repoType ? ` (with repo_type: ${fromUrl.repoType})` : ""}` : ""}`;
  }
  for (const character of repoId) {
    if (character !== "/" && !REPO_ID_CHARACTER.test(character)) {
      return `contains ${quote(character)}; the Hub allows only letters, digits, "-", "_" and "."`;
    }
  }
  for (const part of parts) {
    if (/^[-.]|[-.]$/.test(part)) return `${quote(part)} must not start or end with "-" or "."`;
  }
  const name = parts[parts.length - 1] ?? "";
  if (name.length > REPO_NAME_MAX_LENGTH) {
    return `the name ${quote(name)} has ${name.length} characters; the Hub allows at most ${REPO_NAME_MAX_LENGTH}`;
  }
  if (repoId.includes("--") || repoId.includes("..")) return 'must not contain "--" or ".."';
  if (repoId.endsWith(".git")) return 'must not end with ".git"';
  return undefined;
}

/** A Hub page address pasted where the id goes: `https://huggingface.co/org/name/tree/main`, `hf.co/datasets/org/name`. */
function repoIdInHubUrl(text: string): { readonly repoId: string; readonly repoType?: "dataset" | "space" } | undefined {
  const match = /^(?:https?:\/\/)?(?:www\.)?(?:huggingface\.co|hf\.co)\/(?:(datasets|spaces)\/)?([A-Za-z0-9._-]+\/[A-Za-z0-9._-]+)(?:[/?#].*)?$/.exec(text);
  if (!match?.[2]) return undefined;
  return { repoId: match[2], ...(match[1] ? { repoType: match[1] === "datasets" ? "dataset" : "space" } : {}) };
}

const GIT_REF_FORBIDDEN = /[~^:?*[\\]/;

/** A branch or tag name (git ref-name rules), a 40-hex commit, or `refs/pr/N`. */
export function revisionProblem(revision: string): string | undefined {
  if (revision === "") return "must not be empty";
  if (/\s/.test(revision)) return "must not contain whitespace";
  if (CONTROL_CHARACTER.test(revision)) return "must not contain control characters";
  if (revision.includes("..")) return 'must not contain ".."';
  if (revision.startsWith("/")) return 'must not start with "/"';
  if (revision.endsWith("/") || revision.includes("//")) return 'must not end with "/" or contain "//"';
  const forbidden = GIT_REF_FORBIDDEN.exec(revision);
  if (forbidden) return `must not contain ${quote(forbidden[0])}, which git does not allow in a revision name`;
  if (revision.includes("@{") || revision === "@") return 'must not be "@" or contain "@{"';
  for (const segment of revision.split("/")) {
    if (segment.startsWith(".") || segment.endsWith(".") || segment.endsWith(".lock")) {
      return `has the part ${quote(segment)}; git does not allow a part to start or end with "." or end with ".lock"`;
    }
  }
  if (revision.startsWith("refs/pr/") && !/^refs\/pr\/[0-9]+$/.test(revision)) {
    return 'must be "refs/pr/" followed by a pull request number';
  }
  return undefined;
}

/** A `files` or `exclude` entry; backslashes count as "/" like in the Hub client. */
export function patternProblem(pattern: string): string | undefined {
  if (pattern.trim() === "") return "must not be empty";
  if (CONTROL_CHARACTER.test(pattern)) return "must not contain control characters";
  const normalised = pattern.replaceAll("\\", "/");
  if (normalised.startsWith("/") || /^[A-Za-z]:/.test(normalised)) {
    return "must be relative to the repository root, not an absolute path";
  }
  const segments = normalised.split("/");
  if (normalised.endsWith("/")) segments.pop();
  if (segments.includes("..")) return 'must not contain ".." (paths are inside the repository)';
  if (segments.includes(".")) return 'must not contain "." segments; repository paths never do';
  if (segments.includes("")) return 'must not contain empty path segments ("//")';
  return undefined;
}

export function cacheDirProblem(cacheDir: string): string | undefined {
  if (cacheDir.trim() === "") return "must not be empty";
  if (CONTROL_CHARACTER.test(cacheDir)) return "must not contain control characters";
  // On Linux and macOS a backslash is part of a file name: "C:\\models" or "models\\cache" would be one oddly named folder.
  if (process.platform !== "win32" && cacheDir.includes("\\")) return 'must use "/" between folders, not "\\" (a Windows path here names one folder with backslashes in its name)';
  return undefined;
}

export function hasControlCharacter(text: string): boolean {
  return CONTROL_CHARACTER.test(text);
}
