// Durations in policies are written the way people say them: 36h, 3d, 2w.
const UNIT_MS: Record<string, number> = {
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
}

// At most 12 digits, so the number is exact; the policy schema bounds the span itself.
export const DURATION_PATTERN = /^(\d{1,12})(m|h|d|w)$/

/** The longest duration a policy may name: ages beyond it cannot be dates (and mean nothing). */
export const MAX_DURATION = '3653d'
export const MAX_DURATION_MS = 3653 * UNIT_MS.d

/** Milliseconds in a duration like "3d"; throws on anything else (validate first). */
export function parseDuration(text: string): number {
  const match = DURATION_PATTERN.exec(text)
  if (!match) throw new Error(`not a duration: ${text}`)
  return Number(match[1]) * UNIT_MS[match[2]]
}

/** A short human form of a span of milliseconds: "2h", "3d 4h", "45m". */
export function formatSpan(ms: number): string {
  const minutes = Math.floor(Math.abs(ms) / 60_000)
  const days = Math.floor(minutes / 1440)
  const hours = Math.floor((minutes % 1440) / 60)
  if (days > 0) return hours > 0 ? `${days}d ${hours}h` : `${days}d`
  if (hours > 0) return `${hours}h`
  return `${minutes}m`
}
