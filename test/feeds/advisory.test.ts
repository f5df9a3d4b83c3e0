// Feed results as the Advisory records of PackageFacts.

import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { advisoryFromBulkAdvisory, advisoryFromDenyListEntry, advisoryFromOsvEntry, advisoryFromOsvId } from '../../lib/feeds/advisory.js'
import { parseDenyList } from '../../lib/feeds/deny-list.js'
import { parseOsvDocument } from '../../lib/feeds/osv-document.js'
import { parseBulkAdvisoryList } from '../../lib/feeds/registry-advisories.js'

const advisory = suite('advisory: feed results as PackageFacts advisories')

advisory('from an OSV dataset entry', () => {
  const [entry] = parseOsvDocument({
    id: 'MAL-2025-20690',
    summary: 'Malicious code in flatmap-stream (npm)',
    affected: [{ package: { ecosystem: 'npm', name: 'flatmap-stream' }, versions: ['0.1.1'] }],
  }, 'osv/malicious/npm/flatmap-stream/MAL-2025-20690.json')
  assert.equal(advisoryFromOsvEntry(entry, 'osv-dataset:/data/malicious-packages'), {
    id: 'MAL-2025-20690',
    source: 'osv-dataset:/data/malicious-packages',
    summary: 'Malicious code in flatmap-stream (npm)',
    isMalware: true,
    url: 'https://osv.dev/vulnerability/MAL-2025-20690',
  })
  const draft = advisoryFromOsvEntry({ ...entry, id: 'MAL-0000-electorn', summary: null, name: 'electorn' }, 'osv-dataset:x')
  assert.equal(draft, { id: 'MAL-0000-electorn', source: 'osv-dataset:x', summary: 'Malicious code in electorn', isMalware: true })
})

advisory('from an OSV API id', () => {
  assert.equal(advisoryFromOsvId('GHSA-mh6f-8j2x-4483', 'event-stream'), {
    id: 'GHSA-mh6f-8j2x-4483',
    source: 'osv-api',
    summary: 'Malicious code in event-stream (GHSA-mh6f-8j2x-4483)',
    isMalware: true,
    url: 'https://osv.dev/vulnerability/GHSA-mh6f-8j2x-4483',
  })
})

advisory('from a bulk advisory', () => {
  const [malware, vulnerability] = parseBulkAdvisoryList({
    crossenv: [{ id: 1096420, url: 'https://github.com/advisories/GHSA-7xf9-6p4w-5w5g', title: 'Malware in crossenv', severity: 'critical', vulnerable_versions: '>=0', cwe: ['CWE-506'] }],
    lodash: [{ id: 1094500, title: 'Prototype Pollution in lodash', severity: 'high', vulnerable_versions: '<4.17.12', cwe: ['CWE-1321'] }],
  })
  assert.equal(advisoryFromBulkAdvisory(malware), {
    id: '1096420', source: 'registry-advisories', summary: 'Malware in crossenv', isMalware: true, severity: 'critical', url: 'https://github.com/advisories/GHSA-7xf9-6p4w-5w5g', vulnerableVersions: '>=0',
  })
  assert.equal(advisoryFromBulkAdvisory(vulnerability), {
    id: '1094500', source: 'registry-advisories', summary: 'Prototype Pollution in lodash', isMalware: false, severity: 'high', vulnerableVersions: '<4.17.12',
  })
})

advisory('from a deny-list line', () => {
  const [whole, ranged] = parseDenyList('flatmap-stream\nevent-stream@3.3.6', 'deny.txt')
  assert.equal(advisoryFromDenyListEntry(whole), {
    id: 'deny.txt:1', source: 'deny-list:deny.txt', summary: 'flatmap-stream is on the deny list deny.txt (line 1)', isMalware: true,
  })
  assert.is(advisoryFromDenyListEntry(ranged).summary, 'event-stream@3.3.6 is on the deny list deny.txt (line 2)')
})

advisory.run()
