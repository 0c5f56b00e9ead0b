import { isMapping } from "../config/schema.ts";
import { lockArgument, stringArgument } from "../api-arguments.ts";
import { UsageError } from "../errors.ts";
import { describeValue } from "../config/describe.ts";
import { byCodeUnit } from "../by-code-unit.ts";
import type { LockedFile, LockedModel, LockFile } from "./schema.ts";
import { formatLock } from "./write-lock.ts";

const HUB = "https://huggingface.co";
const COMPONENT_TYPE: Record<LockedModel["repoType"], string> = { model: "machine-learning-model", dataset: "data", space: "application" };

/**
 * A CycloneDX 1.6 JSON document of the locked models, built by hand (the
 * CycloneDX library is used only to validate it, in the tests). The same lock
 * always gives the same document: no timestamp, and the serial number is
 * derived from the lock's content.
 */
export function buildSbom(lock: LockFile, tool: { readonly name: string; readonly version: string }): object {
  lockArgument(lock, "buildSbom: lock");
  if (!isMapping(tool)) throw new UsageError(`buildSbom: tool must be { name, version }, found ${describeValue(tool)}`);
  stringArgument(tool.name, "buildSbom: tool.name");
  stringArgument(tool.version, "buildSbom: tool.version");
  return {
    $schema: "http://cyclonedx.org/schema/bom-1.6.schema.json",
    bomFormat: "CycloneDX",
    specVersion: "1.6",
    serialNumber: `urn:uuid:${uuidFrom(formatLock(lock))}`,
    version: 1,
    metadata: { tools: { components: [{ type: "application", name: tool.name, version: tool.version }] } },
    components: [...lock.models].sort((a, b) => byCodeUnit(a.id, b.id)).map(modelComponent),
  };
}

function modelComponent(model: LockedModel): object {
  const slash = model.repoId.lastIndexOf("/");
  const group = slash >= 0 ? model.repoId.slice(0, slash) : undefined;
  const name = slash >= 0 ? model.repoId.slice(slash + 1) : model.repoId;
  const purl = model.repoType === "model" ? huggingfacePurl(model.repoId, model.commit) : undefined;
  const typeSegment = model.repoType === "model" ? "" : `${model.repoType}s/`;
  return {
    type: COMPONENT_TYPE[model.repoType],
    "bom-ref": `model:${model.id}`,
    ...(group ? { group } : {}),
    name,
    version: model.commit,
    ...(purl ? { purl } : {}),
    externalReferences: [{ type: "distribution", url: `${HUB}/${typeSegment}${model.repoId}/tree/${model.commit}` }],
    properties: [
      { name: "model-manager:id", value: model.id },
      { name: "model-manager:repo-type", value: model.repoType },
      { name: "model-manager:revision", value: model.revision },
    ],
    components: [...model.files].sort((a, b) => byCodeUnit(a.path, b.path)).map((file) => fileComponent(model, file)),
  };
}

/** Regular (non-LFS) files are identified by their git blob id: the Hub gives no sha256 for them before download. */
function fileComponent(model: LockedModel, file: LockedFile): object {
  const properties = [
    { name: "model-manager:path", value: file.path },
    { name: "model-manager:size", value: String(file.size) },
    ...(file.gitOid ? [{ name: "model-manager:git-blob-sha1", value: file.gitOid }] : []),
    ...(file.xetHash ? [{ name: "model-manager:xet-hash", value: file.xetHash }] : []),
  ];
  return {
    type: "file",
    "bom-ref": `model:${model.id}/${file.path}`,
    name: file.path,
    ...(file.sha256 ? { hashes: [{ alg: "SHA-256", content: file.sha256 }] } : {}),
    properties,
  };
}

/** `pkg:huggingface/<org>/<name>@<commit>` (purl-spec type huggingface); each segment percent-encoded. */
function huggingfacePurl(repoId: string, commit: string): string {
  const segments = repoId.split("/").map((segment) => encodeURIComponent(segment));
  return `pkg:huggingface/${segments.join("/")}@${commit}`;
}

/** An RFC 4122 version-5-shaped UUID from a sha256 of `text`: stable for the same lock. */
function uuidFrom(text: string): string {
  const bytes = new Bun.CryptoHasher("sha256").update(text).digest();
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = Buffer.from(bytes.subarray(0, 16)).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
