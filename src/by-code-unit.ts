/** String order by UTF-16 code unit, the same on every machine (not the locale's): for files meant to be diffed. */
export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
