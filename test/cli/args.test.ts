// Table tests of argument parsing: which flags safe-npm keeps for itself,
// which it hands to npm untouched, and which are usage errors (exit 2).
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { isMachineOutput, parseArgs, type OwnOptions, type ParsedArgs } from '../../lib/cli/args.ts'
import { EXIT, UsageError } from '../../lib/errors.ts'

const DEFAULTS: OwnOptions = { format: 'text', lockfile: false, probe: false, help: false, version: false, schema: false }

type Expected = { command: string | null; own?: Partial<OwnOptions>; npmArgs?: string[] }

const parsed: Array<[string, string[], Expected]> = [
  ['nothing at all', [], { command: null }],
  ['a bare command', ['install'], { command: 'install' }],
  ['specs and npm flags go to npm in order', ['install', 'left-pad@1', '--save-dev', '-E'], { command: 'install', npmArgs: ['left-pad@1', '--save-dev', '-E'] }],
  ['npm flags before the command stay with npm', ['--loglevel=silent', 'ci'], { command: 'ci', npmArgs: ['--loglevel=silent'] }],
  ['npm flags with = keep their value', ['install', '--registry=http://127.0.0.1:9/', '--before=2020-01-01'], { command: 'install', npmArgs: ['--registry=http://127.0.0.1:9/', '--before=2020-01-01'] }],
  ['--policy with a separate value', ['--policy', 'policy.json', 'install'], { command: 'install', own: { policyFile: 'policy.json' } }],
  ['--policy=value after the command', ['install', '--policy=./p.json', 'a'], { command: 'install', own: { policyFile: './p.json' }, npmArgs: ['a'] }],
  ['--policy= value may start with a dash', ['check', '--policy=-odd.json'], { command: 'check', own: { policyFile: '-odd.json' } }],
  ['--org-policy', ['check', '--org-policy', '/etc/org.json'], { command: 'check', own: { orgPolicyFile: '/etc/org.json' } }],
  ['--org-policy= and --policy together', ['check', '--org-policy=org.json', '--policy', 'p.json'], { command: 'check', own: { orgPolicyFile: 'org.json', policyFile: 'p.json' } }],
  ['the last --policy wins', ['check', '--policy', 'a.json', '--policy=b.json'], { command: 'check', own: { policyFile: 'b.json' } }],
  ['--format text', ['check', '--format', 'text'], { command: 'check', own: { format: 'text' } }],
  ['--format json', ['check', '--format', 'json'], { command: 'check', own: { format: 'json' } }],
  ['--format=sarif', ['check', '--format=sarif'], { command: 'check', own: { format: 'sarif' } }],
  ['--format cyclonedx', ['ci', '--format', 'cyclonedx'], { command: 'ci', own: { format: 'cyclonedx' } }],
  ['--json is --format json', ['install', '--json'], { command: 'install', own: { format: 'json' } }],
  ['the later of --json and --format wins (json)', ['check', '--format', 'sarif', '--json'], { command: 'check', own: { format: 'json' } }],
  ['the later of --json and --format wins (sarif)', ['check', '--json', '--format=sarif'], { command: 'check', own: { format: 'sarif' } }],
  ['--json with a value is npm\'s', ['install', '--json=true'], { command: 'install', npmArgs: ['--json=true'] }],
  ['--lockfile', ['check', '--lockfile'], { command: 'check', own: { lockfile: true } }],
  ['--spec-version 1.5', ['sbom', '--spec-version', '1.5'], { command: 'sbom', own: { specVersion: '1.5' } }],
  ['--spec-version=1.6', ['check', '--format', 'cyclonedx', '--spec-version=1.6'], { command: 'check', own: { format: 'cyclonedx', specVersion: '1.6' } }],
  ['--probe', ['check', '--probe'], { command: 'check', own: { probe: true } }],
  ['--lockfile and --probe with --json', ['check', '--lockfile', '--probe', '--json'], { command: 'check', own: { lockfile: true, probe: true, format: 'json' } }],
  ['own boolean flags take no value: --lockfile=… is npm\'s', ['install', '--lockfile=false'], { command: 'install', npmArgs: ['--lockfile=false'] }],
  ['--help', ['install', '--help'], { command: 'install', own: { help: true } }],
  ['-h', ['-h'], { command: null, own: { help: true } }],
  ['--version', ['--version'], { command: null, own: { version: true } }],
  ['-v', ['-v'], { command: null, own: { version: true } }],
  ['only npm flags: no command', ['--loglevel=silent'], { command: null, npmArgs: ['--loglevel=silent'] }],
  ['the first word is the command, later words are npm\'s', ['run', 'build', '--', '--watch'], { command: 'run', npmArgs: ['build', '--', '--watch'] }],
  ['after -- nothing is safe-npm\'s', ['install', '--', '--policy', 'x.json', '--json'], { command: 'install', npmArgs: ['--', '--policy', 'x.json', '--json'] }],
  ['a command after -- is still found', ['--json', '--', 'install'], { command: 'install', own: { format: 'json' }, npmArgs: ['--'] }],
  ['a safe-npm flag between specs is taken out', ['install', 'a', '--probe', 'b'], { command: 'install', own: { probe: true }, npmArgs: ['a', 'b'] }],
  // The command is the word npm would run: npm's parser knows which flags take a value.
  ['an npm flag with a separate value before the command', ['--registry', 'http://127.0.0.1:9/', 'install', 'a'], { command: 'install', npmArgs: ['--registry', 'http://127.0.0.1:9/', 'a'] }],
  ['--prefix dir before the command', ['--prefix', 'sub', 'ci'], { command: 'ci', npmArgs: ['--prefix', 'sub'] }],
  ['a flag value equal to the command', ['--prefix', 'install', 'install'], { command: 'install', npmArgs: ['--prefix', 'install'] }],
  ['a boolean npm flag does not take the next word', ['--save-dev', 'install', 'a'], { command: 'install', npmArgs: ['--save-dev', 'a'] }],
  ['a boolean npm flag takes an explicit true/false', ['--ignore-scripts', 'false', 'ci'], { command: 'ci', npmArgs: ['--ignore-scripts', 'false'] }],
  ['a shorthand with a value (-w)', ['-w', 'pkg-a', 'install'], { command: 'install', npmArgs: ['-w', 'pkg-a'] }],
  ['our flag before, npm flag with value, the command', ['--json', '--loglevel', 'warn', 'check'], { command: 'check', own: { format: 'json' }, npmArgs: ['--loglevel', 'warn'] }],
  ['--schema is safe-npm\'s (policy --schema)', ['policy', '--schema'], { command: 'policy', own: { schema: true } }],
]

for (const [name, argv, expected] of parsed) {
  test(`parseArgs: ${name}`, () => {
    const { npmArgv, npmLine: _npmLine, ...result }: ParsedArgs = parseArgs(argv)
    assert.equal(result, { command: expected.command, own: { ...DEFAULTS, ...expected.own }, npmArgs: expected.npmArgs ?? [] })
    // npm's own parser sees the command line with the command in place and safe-npm's flags taken out.
    const commandAt = npmArgv.indexOf(expected.command ?? '\0')
    assert.equal(commandAt === -1 ? npmArgv : [...npmArgv.slice(0, commandAt), ...npmArgv.slice(commandAt + 1)], expected.npmArgs ?? [])
  })
}

/** Arguments that are usage errors, and a piece of the message naming what is wrong. */
const rejected: Array<[string, string[], string]> = [
  ['--policy without a value', ['install', '--policy'], '--policy needs a file path'],
  ['--policy followed by a flag', ['install', '--policy', '--json'], '--policy needs a file path'],
  ['--policy= empty', ['install', '--policy='], '--policy needs a file path'],
  ['--policy followed by an empty argument', ['install', '--policy', ''], '--policy needs a file path'],
  ['--org-policy without a value', ['check', '--org-policy'], '--org-policy needs a file path'],
  ['--org-policy followed by a flag', ['check', '--org-policy', '-v'], '--org-policy needs a file path'],
  ['--org-policy= empty', ['check', '--org-policy='], '--org-policy needs a file path'],
  ['--format without a value', ['check', '--format'], '--format needs one of text, json, sarif, cyclonedx'],
  ['--format followed by a flag', ['check', '--format', '--json'], '--format needs one of'],
  ['--format= empty', ['check', '--format='], '--format needs one of'],
  ['--format with an unknown format', ['check', '--format', 'xml'], '--format takes text, json, sarif, cyclonedx (got xml)'],
  ['--format= with an unknown format', ['check', '--format=JSON'], '(got JSON)'],
  ['--spec-version without a value', ['sbom', '--spec-version'], '--spec-version needs one of 1.6, 1.5'],
  ['--spec-version with an unsupported version', ['sbom', '--spec-version', '1.4'], '--spec-version takes 1.6, 1.5 (CycloneDX; got 1.4)'],
]

for (const [name, argv, message] of rejected) {
  test(`parseArgs rejects ${name}`, () => {
    let caught: unknown
    try {
      parseArgs(argv)
    } catch (error) {
      caught = error
    }
    assert.instance(caught, UsageError, `expected a UsageError for ${JSON.stringify(argv)}`)
    const error = caught as UsageError
    assert.is(error.code, 'EUSAGE')
    assert.is(error.exitCode, EXIT.usage)
    assert.ok(error.message.includes(message), `message "${error.message}" should contain "${message}"`)
  })
}

test('parseArgs: npm\'s parser reports the flags it does not know, and abbreviations it expands', () => {
  assert.equal(parseArgs(['install', '--save-deV', 'lodash']).npmLine.unknownFlags, [{ flag: '--save-deV' }])
  assert.equal(parseArgs(['check', '--lockfil']).npmLine.unknownFlags, [{ flag: '--lockfil', expandsTo: 'lockfile-version' }])
  assert.equal(parseArgs(['install', '--save-dev', '-E', '--registry=http://x/']).npmLine.unknownFlags, [])
  // Unknown to npm, so it takes no value: npm would run "x.json".
  const typo = parseArgs(['--polciy', 'x.json', 'install'])
  assert.is(typo.command, 'x.json')
  assert.equal(typo.npmLine.unknownFlags, [{ flag: '--polciy' }])
})

test('isMachineOutput: every format but text', () => {
  const cases: Array<[OwnOptions['format'], boolean]> = [['text', false], ['json', true], ['sarif', true], ['cyclonedx', true]]
  for (const [format, expected] of cases) assert.is(isMachineOutput({ ...DEFAULTS, format }), expected, format)
})

test.run()
