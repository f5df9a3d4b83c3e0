// The registry's bulk-advisory answer and plain deny-list files.

import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { DenyList, parseDenyList } from '../../lib/feeds/deny-list.js'
import { isIntelError } from '../../lib/feeds/errors.js'
import { isVersionInAdvisory, parseBulkAdvisories, parseBulkAdvisoryList } from '../../lib/feeds/registry-advisories.js'

const advisories = suite('registry-advisories: parseBulkAdvisories')

// The shape `POST /-/npm/v1/security/advisories/bulk` answers with.
const BULK_ANSWER = {
  'event-stream': [{
    id: 1092967,
    url: 'https://github.com/advisories/GHSA-mh6f-8j2x-4483',
    title: 'Critical severity vulnerability that affects event-stream and flatmap-stream',
    severity: 'critical',
    vulnerable_versions: '=3.3.6',
    cwe: ['CWE-506'],
    cvss: { score: 9.8, vectorString: 'CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' },
  }],
  crossenv: [{
    id: 1096420,
    url: 'https://github.com/advisories/GHSA-7xf9-6p4w-5w5g',
    title: 'Malware in crossenv',
    severity: 'critical',
    vulnerable_versions: '>=0',
    cwe: [],
  }],
  lodash: [{
    id: 1094500,
    url: 'https://github.com/advisories/GHSA-jf85-cpcp-j695',
    title: 'Prototype Pollution in lodash',
    severity: 'critical',
    vulnerable_versions: '<4.17.12',
    cwe: ['CWE-20', 'CWE-1321'],
  }],
  'left-pad': [],
}

advisories('keeps the malware advisories', () => {
  assert.equal(parseBulkAdvisories(BULK_ANSWER).map((advisory) => [advisory.name, advisory.id, advisory.vulnerableVersions]), [
    ['event-stream', 1092967, '=3.3.6'],
    ['crossenv', 1096420, '>=0'],
  ])
  const [eventStream] = parseBulkAdvisories(BULK_ANSWER)
  assert.is(eventStream.url, 'https://github.com/advisories/GHSA-mh6f-8j2x-4483')
  assert.is(eventStream.severity, 'critical')
})

advisories('the full list marks which are malware', () => {
  assert.equal(parseBulkAdvisoryList(BULK_ANSWER).map((advisory) => [advisory.name, advisory.isMalware]), [
    ['event-stream', true], ['crossenv', true], ['lodash', false],
  ])
  assert.equal(parseBulkAdvisories({}), [])
})

advisories('cwe may come as a string', () => {
  const answer = { x: [{ id: 'GHSA-xxxx', title: 'Embedded code', vulnerable_versions: '*', cwe: 'CWE-506' }] }
  assert.is(parseBulkAdvisories(answer).length, 1)
})

advisories('versions in an advisory', () => {
  assert.ok(isVersionInAdvisory({ vulnerableVersions: '=3.3.6' }, '3.3.6'))
  assert.not.ok(isVersionInAdvisory({ vulnerableVersions: '=3.3.6' }, '3.3.5'))
  assert.ok(isVersionInAdvisory({ vulnerableVersions: '>=0' }, '1.0.0-beta.1'))
  assert.ok(isVersionInAdvisory({ vulnerableVersions: 'garbage(' }, '1.0.0'), 'an unreadable range covers everything')
})

advisories('a malformed answer throws EADVISORYPARSE', () => {
  const cases: unknown[] = [null, [], { x: {} }, { x: [7] }, { x: [{ title: 'Malware in x', vulnerable_versions: '*' }] }, { x: [{ id: 1, vulnerable_versions: '*' }] }, { x: [{ id: 1, title: 't' }] }]
  for (const answer of cases) {
    try {
      parseBulkAdvisories(answer)
      assert.unreachable(`accepted ${JSON.stringify(answer)}`)
    } catch (error) {
      assert.ok(isIntelError(error, 'EADVISORYPARSE'), String(error))
    }
  }
})

const denyLists = suite('deny-list: parseDenyList')

denyLists('names, ranges, scopes and comments', () => {
  const text = [
    '# incident 2018-11',
    'event-stream@3.3.6',
    '',
    'flatmap-stream   # every version',
    '@evil/toolkit@>=1.2.0 <1.4.0',
    '  @evil/other  ',
    'ua-parser-js@0.7.29 || 0.8.0 || 1.0.0\r',
  ].join('\n')
  assert.equal(parseDenyList(text, 'deny.txt'), [
    { name: 'event-stream', range: '3.3.6', source: 'deny.txt', line: 2 },
    { name: 'flatmap-stream', range: null, source: 'deny.txt', line: 4 },
    { name: '@evil/toolkit', range: '>=1.2.0 <1.4.0', source: 'deny.txt', line: 5 },
    { name: '@evil/other', range: null, source: 'deny.txt', line: 6 },
    { name: 'ua-parser-js', range: '0.7.29 || 0.8.0 || 1.0.0', source: 'deny.txt', line: 7 },
  ])
})

denyLists('bad lines throw EDENYLISTPARSE with file and line', () => {
  const cases: Array<[string, RegExp]> = [
    ['ok\nnot a name', /deny\.txt:2: not a package name/],
    ['left-pad@', /deny\.txt:1: not a semver range/],
    ['left-pad@banana', /not a semver range/],
    ['@scope', /not a package name/],
    ['.hidden', /not a package name/],
  ]
  for (const [text, message] of cases) {
    try {
      parseDenyList(text, 'deny.txt')
      assert.unreachable(`accepted ${text}`)
    } catch (error) {
      assert.ok(isIntelError(error, 'EDENYLISTPARSE'), String(error))
      assert.match((error as Error).message, message)
    }
  }
})

denyLists('look-ups', () => {
  const list = new DenyList(parseDenyList('event-stream@3.3.6\nflatmap-stream\n@evil/toolkit@>=1.2.0 <1.4.0', 'deny.txt'))
  assert.is(list.lookup('event-stream', '3.3.6').length, 1)
  assert.is(list.lookup('event-stream', '3.3.5').length, 0)
  assert.is(list.lookup('flatmap-stream', '0.1.1').length, 1)
  assert.is(list.lookup('@evil/toolkit', '1.3.0-beta.1').length, 1, 'prereleases inside the range count')
  assert.is(list.lookup('@evil/toolkit', '1.4.0').length, 0)
  assert.is(list.lookup('left-pad', '1.3.0').length, 0)
  list.add(parseDenyList('left-pad', 'other.txt'))
  assert.equal(list.lookup('left-pad', '1.3.0').map((entry) => entry.source), ['other.txt'])
})

advisories.run()
denyLists.run()
