/** The local Hub for tests, the demo and benchmarks: see README.md. */
export { LocalHub, type HubConfiguration, type LocalHubOptions, type ServedFile } from "./local-hub.ts";
export * from "./fixtures.ts";
export type { Fault, FaultEffect, FaultKind, FaultScope, InjectedFault, ListenerName, Throttle } from "./faults.ts";
export type { RequestRecord, RequestTotals } from "./request-log.ts";
export type { HostedRepo, PushCommit } from "./repo-store.ts";
export type { RouteKind } from "./routes.ts";
export type { AdminFileContent, AdminPushCommit } from "./admin.ts";
export { demoRepos, parseSize, parseSyntheticSpec, PRESETS, type SizedFiles, syntheticRepo } from "./presets.ts";
export { generateBytes, gitBlobSha1, sha256Hex } from "./content.ts";
