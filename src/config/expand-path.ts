import { homedir } from "node:os";

export type Environment = Readonly<Record<string, string | undefined>>;

export type ExpandedPath = { readonly path: string } | { readonly problem: string };

/**
 * `~`, `~/…`, `$VAR` and `${VAR}` in a cache_dir, as in huggingface_hub's paths.
 * Left alone, `~/models` would become a folder literally named "~" in the
 * working directory (which a later `rm -rf ~` would make a disaster), so a
 * variable that is not set is a problem to report, never an empty string.
 */
export function expandUserPath(text: string, env: Environment): ExpandedPath {
  let path = text;
  if (path === "~" || path.startsWith("~/")) {
    const home = env.HOME || homedir();
    if (!home) return { problem: `starts with "~", but the home directory is unknown (HOME is not set)` };
    path = home + path.slice(1);
  } else if (/^~[^/]/.test(path)) {
    return { problem: `"${path.split("/")[0]}" (another user's home) is not supported; write the full path` };
  }
  const missing: string[] = [];
  path = path.replace(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g, (whole, braced: string | undefined, bare: string | undefined) => {
    const name = (braced ?? bare) as string;
    const value = env[name];
    if (value === undefined || value === "") {
      missing.push(name);
      return whole;
    }
    return value;
  });
  if (missing.length > 0) {
    const names = [...new Set(missing)].map((name) => `$${name}`);
    return { problem: `uses ${names.join(" and ")}, which ${names.length === 1 ? "is" : "are"} not set in the environment` };
  }
  if (/\$\{/.test(path)) return { problem: `has a "\${" that does not form a variable name like \${HOME}` };
  return { path };
}
