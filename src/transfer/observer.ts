/** What the transfer engine reports while it works; the output layer renders it. */
export interface TransferObserver {
  /** A model's plan is known: how many files and bytes must still be fetched. */
  modelPlanned(modelId: string, plan: { readonly files: number; readonly bytes: number }): void;
  fileStarted(modelId: string, path: string, info: FileStartInfo): FileProgress;
  modelFinished(modelId: string): void;
}

export type FileStartInfo = {
  readonly size: number;
  /** Bytes already on disk from an earlier, interrupted run. */
  readonly resumedBytes: number;
  /** Fetched as parallel ranges. */
  readonly ranged: boolean;
};

export interface FileProgress {
  /** Called for every block written to disk: must be cheap. */
  advance(bytes: number): void;
  /** Bytes counted so far had to be thrown away (bad checksum, restart). */
  rewind(bytes: number): void;
  finished(): void;
  failed(): void;
}

export const quietObserver: TransferObserver = {
  modelPlanned() {},
  fileStarted() {
    return { advance() {}, rewind() {}, finished() {}, failed() {} };
  },
  modelFinished() {},
};
