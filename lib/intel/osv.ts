// Malware knowledge in the OSV schema and its neighbours: one import for the
// rules. Each part lives in its own module.

export { parseOsvDocument, isVersionAffected } from './osv-document.js'
export type { OsvEntry, OsvRange, OsvRangeEvent, OsvRangeType } from './osv-document.js'
export { MalwareIndex } from './malware-index.js'
export { loadOsvDataset, loadOsvDatasetWithDetails } from './osv-dataset.js'
export type { OsvDatasetLoad } from './osv-dataset.js'
export { queryOsvBatch, packageKey } from './osv-api.js'
export type { OsvQueryOptions, PackageVersion } from './osv-api.js'
export type { FetchFunction } from './secure-url.js'
export { parseBulkAdvisories, parseBulkAdvisoryList, isVersionInAdvisory } from './registry-advisories.js'
export type { BulkAdvisory, MalwareAdvisory } from './registry-advisories.js'
export { parseDenyList, DenyList } from './deny-list.js'
export type { DenyListEntry } from './deny-list.js'
export { IntelError, isIntelError } from './errors.js'
export type { IntelErrorCode } from './errors.js'
export { advisoryFromBulkAdvisory, advisoryFromDenyListEntry, advisoryFromOsvEntry, advisoryFromOsvId } from './advisory.js'
