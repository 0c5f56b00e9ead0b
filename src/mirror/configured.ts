import type { ModelsConfig } from "../config/types.ts";
import { mirrorsFrom } from "./location.ts";
import { Mirror } from "./mirror.ts";

/** The mirrors a run reads from: MODEL_MANAGER_MIRROR when set, else the configuration's `mirrors`. */
export function configuredMirrors(config: Pick<ModelsConfig, "mirrors" | "mirror">, env: Readonly<Record<string, string | undefined>>): Mirror[] {
  return mirrorsFrom(config.mirrors ?? [], env).map((location) => new Mirror(location, config.mirror));
}
