// Turns what each feed returns into the Advisory records the engine attaches
// to PackageFacts (lib/rules/rule.ts), so every feed reads alike in reports.

import type { Advisory } from '../model/rule.js'
import type { DenyListEntry } from './deny-list.js'
import type { OsvEntry } from './osv-document.js'
import type { BulkAdvisory } from './registry-advisories.js'

const OSV_PAGE = 'https://osv.dev/vulnerability/'

/** An entry of a local OSV dataset; `source` like `osv-dataset:<path>`. */
export function advisoryFromOsvEntry(entry: OsvEntry, source: string): Advisory {
  return {
    id: entry.id,
    source,
    summary: entry.summary ?? (entry.isMalware ? `Malicious code in ${entry.name}` : `Vulnerability in ${entry.name}`),
    isMalware: entry.isMalware,
    ...(hasPublicPage(entry.id) ? { url: OSV_PAGE + entry.id } : {}),
  }
}

/** A malware id returned by queryOsvBatch. */
export function advisoryFromOsvId(id: string, name: string): Advisory {
  return { id, source: 'osv-api', summary: `Malicious code in ${name} (${id})`, isMalware: true, url: OSV_PAGE + id }
}

/** An advisory of the registry's bulk endpoint. */
export function advisoryFromBulkAdvisory(advisory: BulkAdvisory): Advisory {
  return {
    id: String(advisory.id),
    source: 'registry-advisories',
    summary: advisory.title,
    isMalware: advisory.isMalware,
    ...(advisory.severity === null ? {} : { severity: advisory.severity }),
    ...(advisory.url === null ? {} : { url: advisory.url }),
    vulnerableVersions: advisory.vulnerableVersions,
  }
}

/** A line of a deny-list file: what the list denies is treated as malware. */
export function advisoryFromDenyListEntry(entry: DenyListEntry): Advisory {
  const what = entry.range === null ? entry.name : `${entry.name}@${entry.range}`
  return {
    id: `${entry.source}:${entry.line}`,
    source: `deny-list:${entry.source}`,
    summary: `${what} is on the deny list ${entry.source} (line ${entry.line})`,
    isMalware: true,
  }
}

/** Numbered OSV and GitHub ids have a page on osv.dev; OpenSSF drafts (MAL-0000-…) do not. */
function hasPublicPage(id: string): boolean {
  return /^(MAL-\d{4}-\d+|GHSA(-[23456789cfghjmpqrvwx]{4}){3})$/.test(id)
}
