/**
 * Tests that CI must run, never skip. Wrap the name of such a test or describe block:
 *
 *   describe.skipIf(reason !== undefined)(mustRunOnCI("musl release build in a minimal root"), () => { ... });
 *
 * Locally it skips as before (say why with a console.warn). On CI, `.ci/run` reads bun's JUnit
 * report (tests/ci/report.ts) and counts every skipped test carrying the marker as failed, so a
 * CI machine that lacks a tool cannot turn these tests into silent skips.
 */
export const MUST_RUN_MARKER = "[must run on CI]";

export function mustRunOnCI(name: string): string {
  return `${name} ${MUST_RUN_MARKER}`;
}
