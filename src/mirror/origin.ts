/** Where a model's files were last downloaded from, for --list and --json: the Hub, or a mirror (its URL). */
export function originOf(fetchedFrom: string | undefined): { source?: "hub" | "mirror"; mirror?: string } {
  if (fetchedFrom === undefined) return {};
  return fetchedFrom === "hub" ? { source: "hub" } : { source: "mirror", mirror: fetchedFrom };
}

/** "hub", "mirror s3://bucket/prefix", or "-" when unknown. */
export function describeOrigin(fetchedFrom: string | undefined): string {
  if (fetchedFrom === undefined) return "-";
  return fetchedFrom === "hub" ? "hub" : `mirror ${fetchedFrom}`;
}
