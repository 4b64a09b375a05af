/** The one spelling of a date every output and record uses. */

/** Milliseconds since the epoch of an ISO 8601 date; a RangeError for anything else. */
export function timeOf(iso: string): number {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) throw new RangeError(`not an ISO 8601 date: ${JSON.stringify(iso)}`);
  return time;
}

/** ISO 8601 in UTC with milliseconds, the one spelling every output uses. */
export function toUtcIso(iso: string): string {
  return new Date(timeOf(iso)).toISOString();
}
