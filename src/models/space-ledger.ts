import type { FileProgress, TransferObserver } from "../transfer/observer.ts";

type Reservation = { readonly modelId: string; readonly volume: string; readonly bytes: number; written: number };

/** Another model of the run, and what it has still to write on the same filesystem. */
export type OtherReservation = { readonly modelId: string; readonly bytes: number };

/**
 * The disk space the models of one run have promised themselves and not yet
 * written. Free space only shows what is written already: without this, models
 * downloading side by side each see the same free space, each fit alone, and
 * together fill the disk halfway through.
 */
export class SpaceLedger {
  private readonly reservations = new Map<string, Reservation>();

  /** What the other models downloading to `volume` are still about to write. */
  othersOn(volume: string, modelId: string): OtherReservation[] {
    return [...this.reservations.values()]
      .filter((reservation) => reservation.volume === volume && reservation.modelId !== modelId)
      .map((reservation) => ({ modelId: reservation.modelId, bytes: Math.max(0, reservation.bytes - reservation.written) }))
      .filter((other) => other.bytes > 0);
  }

  /** Holds `bytes` for `modelId` until disposed; what it writes meanwhile is taken off. */
  reserve(volume: string, modelId: string, bytes: number): Disposable {
    const reservation: Reservation = { modelId, volume, bytes, written: 0 };
    this.reservations.set(modelId, reservation);
    return {
      [Symbol.dispose]: () => {
        if (this.reservations.get(modelId) === reservation) this.reservations.delete(modelId);
      },
    };
  }

  /** `observer`, also counting the bytes each model writes against its reservation. */
  counting(observer: TransferObserver): TransferObserver {
    return {
      modelPlanned: (modelId, plan) => observer.modelPlanned(modelId, plan),
      modelFinished: (modelId) => observer.modelFinished(modelId),
      fileStarted: (modelId, path, info): FileProgress => {
        const progress = observer.fileStarted(modelId, path, info);
        const count = (bytes: number) => {
          const reservation = this.reservations.get(modelId);
          if (reservation) reservation.written += bytes;
        };
        return {
          advance(bytes) {
            count(bytes);
            progress.advance(bytes);
          },
          rewind(bytes) {
            count(-bytes);
            progress.rewind(bytes);
          },
          finished: () => progress.finished(),
          failed: () => progress.failed(),
        };
      },
    };
  }
}
