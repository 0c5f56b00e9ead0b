import { EndpointUnreachableError } from "../hub/reachability.ts";
import type { Logger } from "../output/logger.ts";
import { describeFailure } from "./describe-result.ts";

/**
 * Prints each model's failure without repeating what many models share: an
 * unreachable HF_ENDPOINT is said once, with its cause, and the other models
 * it stopped are named at the end; a cause every model meets (a full disk, a
 * read-only cache) is said once, then each model's own part.
 */
export class FailureReporter {
  private readonly alsoUnreachable: string[] = [];
  private readonly toldCauses = new Set<string>();

  constructor(
    private readonly logger: Logger,
    /** "downloaded", "planned": what did not happen to the models named at the end. */
    private readonly notDone: string,
    /** Said after the unreachable endpoint: what the run still does without it. */
    private readonly withoutEndpoint?: string,
  ) {}

  failed(id: string, error: unknown): void {
    if (error instanceof EndpointUnreachableError) {
      if (error.repeat) this.alsoUnreachable.push(id);
      else this.logger.error(`${describeFailure(id, error)}${this.withoutEndpoint ? `. ${this.withoutEndpoint}` : ""}`);
      return;
    }
    const shared = sharedCauseOf(error);
    if (!shared) {
      this.logger.error(describeFailure(id, error));
      return;
    }
    if (!this.toldCauses.has(shared.cause)) this.logger.error(shared.cause);
    this.toldCauses.add(shared.cause);
    this.logger.error(`${id}: ${shared.detail}`);
  }

  /** After the last model. */
  finish(): void {
    if (this.alsoUnreachable.length === 0) return;
    this.logger.error(`${this.alsoUnreachable.join(", ")}: not ${this.notDone} either, HF_ENDPOINT cannot be reached (see above)`);
  }
}

function sharedCauseOf(error: unknown): { cause: string; detail: string } | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const { sharedCause, detail } = error as { sharedCause?: unknown; detail?: unknown };
  return typeof sharedCause === "string" && typeof detail === "string" ? { cause: sharedCause, detail } : undefined;
}
