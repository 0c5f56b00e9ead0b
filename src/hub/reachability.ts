import { DownloadError } from "../errors.ts";
import { describeError } from "./retrying.ts";

/** Retrying an endpoint that has never answered stops after this long: refused or unresolvable hosts do not come back in seconds. */
const UNREACHABLE_RETRY_BUDGET_MS = 10_000;

/** HF_ENDPOINT did not answer at all. `repeat`: an earlier model of the run already reported it. */
export class EndpointUnreachableError extends DownloadError {
  override readonly code = "ENDPOINT_UNREACHABLE";

  constructor(
    message: string,
    readonly repeat: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Whether the endpoint has answered in this run. Until it has, a request
 * that got no answer at all (refused, unresolvable, TLS failure, silence) is
 * retried for UNREACHABLE_RETRY_BUDGET_MS at most; then the endpoint is
 * declared unreachable and every later request fails at once, so twenty
 * models cost one wait and one message, not twenty.
 */
export class EndpointReachability {
  private answered = false;
  private readonly unansweredFailures = new WeakSet<object>();
  private firstFailureAt: number | undefined;
  private declared: { message: string; cause: unknown } | undefined;
  private readonly declaredController = new AbortController();

  constructor(private readonly endpoint: string) {}

  /** Aborts when the endpoint is declared unreachable: requests waiting to retry stop waiting. */
  get declaredSignal(): AbortSignal {
    return this.declaredController.signal;
  }

  answer(): void {
    this.answered = true;
  }

  /** `error` ended a request to the endpoint, started at `startedAt`, before any answer. */
  noAnswer(error: unknown, startedAt: number): void {
    if (typeof error !== "object" || error === null) return;
    this.unansweredFailures.add(error);
    // Counted from the start of the first attempt: a silent host has already used a stall timeout.
    this.firstFailureAt ??= startedAt;
  }

  /** Fails at once when the endpoint has been declared unreachable. */
  check(): void {
    if (this.declared) throw new EndpointUnreachableError(this.declared.message, true, { cause: this.declared.cause });
  }

  /** For withRetries: stop retrying once the endpoint is declared unreachable, or has been silent too long. */
  giveUp(error: unknown): boolean {
    if (this.declared) return true;
    return this.neverAnswered(error) && performance.now() - (this.firstFailureAt ?? performance.now()) >= UNREACHABLE_RETRY_BUDGET_MS;
  }

  /** The error a failed request ends with when the endpoint never answered; undefined when it did. */
  explain(error: unknown): EndpointUnreachableError | undefined {
    if (this.declared) return new EndpointUnreachableError(this.declared.message, true, { cause: this.declared.cause });
    if (!this.neverAnswered(error)) return undefined;
    const seconds = Math.round((performance.now() - (this.firstFailureAt ?? performance.now())) / 1000);
    const message = `HF_ENDPOINT=${this.endpoint} cannot be reached: ${describeError(error)}${seconds > 0 ? ` (no answer in ${seconds} s)` : ""}`;
    this.declared = { message, cause: error };
    this.declaredController.abort(new EndpointUnreachableError(message, true, { cause: error }));
    return new EndpointUnreachableError(message, false, { cause: error });
  }

  private neverAnswered(error: unknown): boolean {
    return !this.answered && typeof error === "object" && error !== null && this.unansweredFailures.has(error);
  }
}
