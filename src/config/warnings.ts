/** Settings that are valid but have no effect: the configuration loads, and the user is told once. */
import type { ConfigIssue } from "../errors.ts";
import { quote } from "./describe.ts";
import { type DocumentLocator, formatPath } from "./positions.ts";
import type { RawModelsConfig } from "./schema.ts";

export function ineffectiveSettings(config: RawModelsConfig, locator: DocumentLocator): ConfigIssue[] {
  if (config.layout !== "hf") return [];
  return config.models.flatMap((model, index) => {
    if (model.local_dir === undefined) return [];
    const path = ["models", index, "local_dir"];
    return [
      {
        path: formatPath(path),
        message: `is ignored for model ${quote(model.id)} with layout: hf (the model lives in the Hugging Face cache folder of its repository)`,
        ...locator.locate(path),
      },
    ];
  });
}
