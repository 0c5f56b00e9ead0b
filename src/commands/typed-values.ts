/**
 * Option values exactly as typed. cac's parser (mri) turns every value that
 * looks like a number into one, so `--cache-dir 0100` would be the folder
 * "100", `--model 007` the model "7" and `--config 1e2` the file "100". This
 * walks the arguments the way mri does and keeps the strings.
 */

/** `aliases`: every name of a value-taking option (camelCase, as cac keeps them) → the option's name. */
export function typedValues(argv: readonly string[], aliases: ReadonlyMap<string, string>): Map<string, Array<string | true>> {
  const values = new Map<string, Array<string | true>>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--") break;
    const dashes = /^-*/.exec(arg)?.[0].length ?? 0;
    if (dashes === 0 || arg.startsWith("no-", dashes)) continue;
    const equals = arg.indexOf("=", dashes + 1);
    const name = arg.slice(dashes, equals === -1 ? undefined : equals);
    // A short cluster (-qc value) gives the value to its last letter, as mri does.
    const target = aliases.get(camelCase(dashes === 2 ? name : name.slice(-1)));
    const inline = equals === -1 ? "" : arg.slice(equals + 1);
    const next = argv[i + 1];
    let value: string | true;
    if (inline !== "") value = inline;
    else if (next === undefined || next.startsWith("-")) value = true;
    else {
      value = next;
      i++;
    }
    if (target !== undefined) values.set(target, [...(values.get(target) ?? []), value]);
  }
  return values;
}

function camelCase(name: string): string {
  return name.replaceAll(/([a-z])-([a-z])/g, (_, before: string, after: string) => before + after.toUpperCase());
}
