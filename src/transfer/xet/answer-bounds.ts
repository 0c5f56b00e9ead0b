import { XetUnavailable } from "./xet-errors.ts";
import type { PlanWindow } from "./xet-plan.ts";

/*
 * What an honest CAS never exceeds, so that what is fetched and decoded for a file stays close to its
 * size whatever a CAS answers (xet-core: deduplication/chunking.rs, xorb_chunk_format.rs,
 * compute_reconstruction_ranges):
 * - chunks are content-defined, none shorter than 8 KiB but a file's last, none longer than 128 KiB;
 * - the terms at either end of a range keep only the chunks holding bytes of it;
 * - a chunk that compression would not shrink is stored as it is, and a xorb range holds the chunks of
 *   the terms reading it, nothing more: its bytes are theirs plus one 8-byte header per chunk.
 * The byte margin also covers encoders that frame incompressible data as LZ4 (the local hub's).
 */
const MIN_CHUNK_BYTES = 8 * 1024;
export const MAX_CHUNK_BYTES = 128 * 1024;
/** Per chunk on top of its decoded bytes: its header, an LZ4 frame's own header and end mark. */
const CHUNK_OVERHEAD_BYTES = 64;
/** LZ4 grows incompressible data by 1/255 (and the per-chunk overhead): 1/128 leaves room. */
const EXPANSION_DIVISOR = 128;

/**
 * Refuses a CAS answer for [window.start, window.end) that would have the client fetch or decode far
 * more than the range: a first term starting more than a chunk before it (or before the file), terms
 * ending more than a chunk after it, more than one chunk per 8 KiB of terms (thousands of one-byte
 * terms, each a request), or xorb ranges holding more bytes than the chunks the terms read. The file
 * then goes through the bridge. Together: at most ~1.02 × (range + 256 KiB) bytes per answer.
 */
export function checkAnswerBounds(window: PlanWindow, what: string): void {
  const { start, end, reconstruction } = window;
  const refuse = (problem: string) => new XetUnavailable(`the reconstruction of ${what} from byte ${start} to ${end} ${problem}`);
  const offset = reconstruction.offsetIntoFirstRange;
  if (offset > start) throw refuse(`starts its first term ${offset} bytes before it, before the file`);
  if (offset >= MAX_CHUNK_BYTES) throw refuse(`starts its first term ${offset} bytes before it, more than a chunk (128 KiB)`);
  let unpacked = 0;
  let chunks = 0;
  for (const term of reconstruction.terms) {
    unpacked += term.unpackedLength;
    chunks += term.chunks.end - term.chunks.start;
  }
  const termsEnd = start - offset + unpacked;
  if (termsEnd - end >= MAX_CHUNK_BYTES) throw refuse(`ends its terms at byte ${termsEnd}, more than a chunk (128 KiB) past it`);
  const mostChunks = Math.floor(unpacked / MIN_CHUNK_BYTES) + 1;
  if (chunks > mostChunks) throw refuse(`names ${chunks} chunks for ${unpacked} bytes of terms; Xet's chunks (but a file's last) hold at least 8 KiB`);
  let named = 0;
  for (const range of window.readers.keys()) named += range.bytes.end - range.bytes.start + 1;
  const mostBytes = unpacked + Math.ceil(unpacked / EXPANSION_DIVISOR) + CHUNK_OVERHEAD_BYTES * chunks;
  if (named > mostBytes) throw refuse(`has its terms read ${named} bytes of xorb ranges for ${unpacked} bytes of chunks (at most ${mostBytes})`);
}
