// Reads the answer of the registry's bulk advisory endpoint
// (`POST /-/npm/v1/security/advisories/bulk`, the one `npm audit` uses) and
// keeps the advisories that report malware rather than a vulnerability.

import { IntelError } from './errors.js'
import { requireCommonJs } from '../model/commonjs.js'

const semver: typeof import('semver') = requireCommonJs('semver')

export interface BulkAdvisory {
  /** The package the advisory is about. */
  name: string
  id: number | string
  url: string | null
  title: string
  severity: string | null
  /** A semver range, like `>=0.0.0` or `3.3.6`. */
  vulnerableVersions: string
  /** Reports malicious code rather than a vulnerability. */
  isMalware: boolean
}

export type MalwareAdvisory = BulkAdvisory & { isMalware: true }

const MALWARE_CWE = 'CWE-506'

/** Malware advisories from a bulk answer: `{ "<name>": [ { id, url, title, severity, vulnerable_versions, cwe } ] }`. */
export function parseBulkAdvisories(json: unknown): MalwareAdvisory[] {
  return parseBulkAdvisoryList(json).filter((advisory): advisory is MalwareAdvisory => advisory.isMalware)
}

/** Every advisory of a bulk answer, malware or not (for a vulnerability threshold). */
export function parseBulkAdvisoryList(json: unknown): BulkAdvisory[] {
  const fail = (path: string, expected: string): never => {
    throw new IntelError('EADVISORYPARSE', `bulk advisories: ${path}: expected ${expected}`)
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return fail('(answer)', 'an object')
  const advisories: BulkAdvisory[] = []
  for (const [name, list] of Object.entries(json)) {
    if (!Array.isArray(list)) return fail(name, 'an array')
    list.forEach((item: unknown, index) => {
      const path = `${name}[${index}]`
      if (typeof item !== 'object' || item === null) return fail(path, 'an object')
      const advisory = item as Record<string, unknown>
      if (typeof advisory.id !== 'number' && typeof advisory.id !== 'string') return fail(`${path}.id`, 'a number or string')
      if (typeof advisory.title !== 'string') return fail(`${path}.title`, 'a string')
      if (typeof advisory.vulnerable_versions !== 'string') return fail(`${path}.vulnerable_versions`, 'a string')
      advisories.push({
        name,
        id: advisory.id,
        url: typeof advisory.url === 'string' ? advisory.url : null,
        title: advisory.title,
        severity: typeof advisory.severity === 'string' ? advisory.severity : null,
        vulnerableVersions: advisory.vulnerable_versions,
        isMalware: isMalwareAdvisory(advisory),
      })
    })
  }
  return advisories
}

/** True when `version` is in the advisory's range; an unreadable range covers every version. */
export function isVersionInAdvisory(advisory: Pick<BulkAdvisory, 'vulnerableVersions'>, version: string): boolean {
  if (semver.validRange(advisory.vulnerableVersions) === null) return true
  return semver.satisfies(version, advisory.vulnerableVersions, { includePrerelease: true })
}

/** GitHub's malware advisories are titled "Malware in <name>" and carry CWE-506 (Embedded Malicious Code). */
function isMalwareAdvisory(advisory: Record<string, unknown>): boolean {
  const title = (advisory.title as string).trim()
  if (/^malware in\b/i.test(title) || /^malicious code in\b/i.test(title)) return true
  const { cwe } = advisory
  if (typeof cwe === 'string') return cwe.split(/[\s,]+/).includes(MALWARE_CWE)
  return Array.isArray(cwe) && cwe.includes(MALWARE_CWE)
}
