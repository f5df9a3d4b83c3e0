// Reading OSV documents and looking versions up in the malware index.

import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { isIntelError } from '../../lib/feeds/errors.js'
import { MalwareIndex } from '../../lib/feeds/malware-index.js'
import { isVersionAffected, parseOsvDocument, type OsvEntry } from '../../lib/feeds/osv-document.js'

const FIXTURES = fileURLToPath(new URL('../fixtures/intel/osv/', import.meta.url))

function fixture(path: string): OsvEntry[] {
  return parseOsvDocument(JSON.parse(readFileSync(FIXTURES + path, 'utf8')), path)
}

const parse = suite('osv-document: parseOsvDocument')

parse('an OpenSSF report with introduced "0" covers every version', () => {
  const [entry, ...rest] = fixture('osv/malicious/npm/flatmap-stream/MAL-2025-20690.json')
  assert.is(rest.length, 0)
  assert.is(entry.id, 'MAL-2025-20690')
  assert.is(entry.name, 'flatmap-stream')
  assert.is(entry.isMalware, true)
  assert.is(entry.withdrawn, null)
  assert.is(entry.summary, 'Malicious code in flatmap-stream (npm)')
  assert.equal(entry.ranges, [{ type: 'SEMVER', events: [{ introduced: '0' }] }])
  assert.is(entry.source, 'osv/malicious/npm/flatmap-stream/MAL-2025-20690.json')
  for (const version of ['0.1.1', '0.0.1', '99.0.0', '1.0.0-beta.1', 'not-a-version']) {
    assert.ok(isVersionAffected(entry, version), version)
  }
})

parse('explicit version lists, aliases and CWE data', () => {
  const [entry] = fixture('osv/malicious/npm/crossenv/MAL-2022-1001.json')
  assert.equal(entry.versions, ['6.1.1', '6.1.2'])
  assert.equal(entry.aliases, ['GHSA-7xf9-6p4w-5w5g'])
  assert.ok(isVersionAffected(entry, '6.1.1'))
  assert.not.ok(isVersionAffected(entry, '6.1.0'))
  assert.not.ok(isVersionAffected(entry, '7.0.0'))
})

parse('a GitHub advisory is malware by CWE-506 and may name several packages', () => {
  const entries = fixture('ghsa/GHSA-mh6f-8j2x-4483.json')
  assert.equal(entries.map((entry) => [entry.name, entry.isMalware]), [['event-stream', true], ['flatmap-stream', true]])
  const [eventStream] = entries
  assert.ok(isVersionAffected(eventStream, '3.3.6'))
  assert.not.ok(isVersionAffected(eventStream, '3.3.5'))
  assert.not.ok(isVersionAffected(eventStream, '4.0.0'))
})

parse('an ordinary vulnerability is kept but not malware', () => {
  const [entry] = fixture('ghsa/GHSA-jf85-cpcp-j695.json')
  assert.is(entry.name, 'lodash')
  assert.is(entry.isMalware, false)
})

parse('other ecosystems are left out', () => {
  assert.equal(fixture('osv/malicious/pypi/requestss/MAL-2023-4004.json'), [])
})

parse('a withdrawn report says so', () => {
  const [entry] = fixture('osv/withdrawn/npm/is-promise/MAL-2020-3003.json')
  assert.is(entry.withdrawn, '2020-04-26T00:00:00Z')
})

parse('an unnumbered OpenSSF draft takes its id from the file name', () => {
  const [entry] = fixture('osv/malicious/npm/electorn/MAL-0000-electorn.json')
  assert.is(entry.id, 'MAL-0000-electorn')
  assert.is(entry.isMalware, true)
})

parse('malware is recognised by id, origins, summary or CWE', () => {
  const doc = (extra: Record<string, unknown>, affectedExtra: Record<string, unknown> = {}) => ({
    id: 'OSV-1',
    affected: [{ package: { ecosystem: 'npm', name: 'x' }, versions: ['1.0.0'], ...affectedExtra }],
    ...extra,
  })
  const isMalware = (json: unknown) => parseOsvDocument(json, 'test.json')[0].isMalware
  assert.ok(isMalware(doc({ id: 'MAL-2024-1' })))
  assert.ok(isMalware(doc({ database_specific: { 'malicious-packages-origins': null } })))
  assert.ok(isMalware(doc({ summary: 'Malicious code in x (npm)' })))
  assert.ok(isMalware(doc({ summary: 'Malware in x' })))
  assert.ok(isMalware(doc({ database_specific: { cwe_ids: ['CWE-506'] } })))
  assert.ok(isMalware(doc({}, { database_specific: { cwes: [{ cweId: 'CWE-506' }] } })))
  assert.not.ok(isMalware(doc({ summary: 'Prototype pollution in x' })))
})

parse('ranges: fixed, last_affected, several intervals, GIT ignored', () => {
  const entry = (events: Array<Record<string, string>>, type = 'SEMVER'): OsvEntry =>
    parseOsvDocument({ id: 'MAL-1', affected: [{ package: { ecosystem: 'npm', name: 'x' }, ranges: [{ type, events }] }] }, 't')[0]
  const fixed = entry([{ introduced: '1.0.0' }, { fixed: '1.2.0' }])
  assert.ok(isVersionAffected(fixed, '1.0.0'))
  assert.ok(isVersionAffected(fixed, '1.1.9'))
  assert.not.ok(isVersionAffected(fixed, '1.2.0'))
  assert.not.ok(isVersionAffected(fixed, '0.9.0'))
  const lastAffected = entry([{ introduced: '10.1.1' }, { last_affected: '10.1.3' }], 'ECOSYSTEM')
  assert.ok(isVersionAffected(lastAffected, '10.1.3'))
  assert.not.ok(isVersionAffected(lastAffected, '10.1.4'))
  const twoIntervals = entry([{ introduced: '0' }, { fixed: '1.0.0' }, { introduced: '2.0.0' }, { fixed: '2.1.0' }])
  assert.ok(isVersionAffected(twoIntervals, '0.5.0'))
  assert.not.ok(isVersionAffected(twoIntervals, '1.5.0'))
  assert.ok(isVersionAffected(twoIntervals, '2.0.5'))
  assert.not.ok(isVersionAffected(twoIntervals, '2.1.0'))
  const unsorted = entry([{ fixed: '1.2.0' }, { introduced: '1.0.0' }])
  assert.ok(isVersionAffected(unsorted, '1.1.0'))
  const git = entry([{ introduced: '0' }], 'GIT')
  assert.equal(git.ranges, [])
  assert.not.ok(isVersionAffected(git, '1.0.0'))
})

parse('bad documents throw EOSVPARSE naming the file and the field', () => {
  const cases: Array<[unknown, RegExp]> = [
    [null, /bad\.json: \(document\): expected an object/],
    [[], /expected an object/],
    [{ id: 5 }, /bad\.json: id: expected a string/],
    [{ id: 'MAL-1', affected: {} }, /affected: expected an array/],
    [{ id: 'MAL-1', affected: ['x'] }, /affected\[0\]: expected an object/],
    [{ id: 'MAL-1', affected: [{ package: { ecosystem: 'npm' } }] }, /affected\[0\]\.package\.name: expected a package name/],
    [{ id: 'MAL-1', affected: [{ package: { ecosystem: 'npm', name: 'x' }, versions: [1] }] }, /affected\[0\]\.versions: expected an array of strings/],
    [{ id: 'MAL-1', affected: [{ package: { ecosystem: 'npm', name: 'x' }, ranges: [{ type: 'SEMVER' }] }] }, /ranges\[0\]\.events: expected an array/],
    [{ id: 'MAL-1', affected: [{ package: { ecosystem: 'npm', name: 'x' }, ranges: [{ type: 'SEMVER', events: [{ introduced: 0 }] }] }] }, /events\[0\]\.introduced: expected a string/],
  ]
  for (const [json, message] of cases) {
    try {
      parseOsvDocument(json, 'bad.json')
      assert.unreachable(`accepted ${JSON.stringify(json)}`)
    } catch (error) {
      assert.ok(isIntelError(error, 'EOSVPARSE'), String(error))
      assert.match((error as Error).message, message)
    }
  }
})

const index = suite('osv-document: MalwareIndex')

function fixtureIndex(): MalwareIndex {
  return new MalwareIndex().add([
    ...fixture('osv/malicious/npm/flatmap-stream/MAL-2025-20690.json'),
    ...fixture('osv/malicious/npm/crossenv/MAL-2022-1001.json'),
    ...fixture('osv/malicious/npm/ua-parser-js/MAL-2021-2001.json'),
    ...fixture('osv/malicious/npm/node-ipc/MAL-2022-2002.json'),
    ...fixture('osv/withdrawn/npm/is-promise/MAL-2020-3003.json'),
    ...fixture('ghsa/GHSA-mh6f-8j2x-4483.json'),
    ...fixture('ghsa/GHSA-jf85-cpcp-j695.json'),
  ])
}

index('looks up by name and version', () => {
  const malware = fixtureIndex()
  const ids = (name: string, version: string) => malware.lookup(name, version).map((entry) => entry.id)
  assert.equal(ids('flatmap-stream', '0.1.1'), ['MAL-2025-20690', 'GHSA-mh6f-8j2x-4483'])
  assert.equal(ids('event-stream', '3.3.6'), ['GHSA-mh6f-8j2x-4483'])
  assert.equal(ids('event-stream', '3.3.5'), [])
  assert.equal(ids('ua-parser-js', '0.7.29'), ['MAL-2021-2001'])
  assert.equal(ids('ua-parser-js', '0.7.28'), [])
  assert.equal(ids('node-ipc', '10.1.2'), ['MAL-2022-2002'])
  assert.equal(ids('node-ipc', '9.2.1'), [])
  assert.equal(ids('crossenv', '6.1.1'), ['MAL-2022-1001'])
  assert.equal(ids('cross-env', '6.1.1'), [])
})

index('withdrawn reports and ordinary vulnerabilities are not held', () => {
  const malware = fixtureIndex()
  assert.equal(malware.lookup('is-promise', '2.2.0'), [])
  assert.equal(malware.lookup('lodash', '4.17.11'), [])
  assert.not.ok(malware.hasPackage('lodash'))
  assert.ok(malware.hasPackage('event-stream'))
  assert.is(malware.size, 6)
})

index('the same report added twice covers what either says', () => {
  const [first] = fixture('osv/malicious/npm/crossenv/MAL-2022-1001.json')
  const malware = new MalwareIndex().add([first]).add([{ ...first, versions: ['6.1.3'] }])
  assert.is(malware.size, 1)
  assert.equal(malware.lookup('crossenv', '6.1.3').map((entry) => entry.id), ['MAL-2022-1001'])
  assert.equal(malware.lookup('crossenv', '6.1.1').map((entry) => entry.id), ['MAL-2022-1001'])
  assert.equal(first.versions, ['6.1.1', '6.1.2'], 'the added entry is not changed')
})

parse.run()
index.run()
