// main() in-process with a fake Io: option typos (did-you-mean, npm's own
// warning), the command found as npm finds it, --version, and the progress
// line (drawn only on a TTY, never in CI, with --silent or a machine format,
// and erased before the report).
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { main } from '../../lib/cli/main.ts'
import { fakeIo } from '../helpers/fake-io.js'
import { loadFixturePackages, startRegistry, type FixtureRegistry } from '../helpers/fixture-registry.js'
import { isolatedEnv, makeProject, makeTempDir, removeDirs } from '../helpers/workspace.js'

const SAFE_NPM_VERSION: string = JSON.parse(await (await import('node:fs/promises')).readFile(new URL('../../package.json', import.meta.url), 'utf8')).version
const ERASE = '\r\x1b[K'

const cli = suite<{ registry: FixtureRegistry; dirs: string[] }>('cli main (in-process)')

cli.before(async (context) => {
  context.registry = await startRegistry(loadFixturePackages(['tiny-dep', 'with-dep', 'left-pad']))
  context.dirs = []
})
cli.after(async (context) => {
  await context.registry.close()
  await removeDirs(...context.dirs)
})

async function project(context: { registry: FixtureRegistry; dirs: string[] }, extra: Record<string, string | undefined> = {}) {
  const dir = await makeProject({ 'package.json': { name: 'app', version: '1.0.0', private: true, dependencies: { 'with-dep': '^1.0.0' } } })
  const home = await makeTempDir('safe-npm-home-')
  context.dirs.push(dir, home)
  return { dir, env: isolatedEnv(context.registry.url, home, { extra: { CI: undefined, TERM: 'xterm', ...extra } }) }
}

// ---- typos --------------------------------------------------------------------

const typos: Array<[string[], string]> = [
  [['install', '--polciy', 'x.json'], 'unknown option --polciy: did you mean --policy?'],
  [['--polciy', 'x.json', 'install'], 'unknown option --polciy: did you mean --policy?'],
  [['check', '--lockfil'], 'unknown option --lockfil: did you mean --lockfile?'],
  [['check', '--prbe'], 'unknown option --prbe: did you mean --probe?'],
  [['check', '--fromat', 'json'], 'unknown option --fromat: did you mean --format?'],
  [['install', '--org-polcy', 'org.json'], 'unknown option --org-polcy: did you mean --org-policy?'],
  [['install', '--org-pol', 'org.json'], 'unknown option --org-pol: did you mean --org-policy?'],
  [['check', '--jsno'], 'unknown option --jsno: did you mean --json?'],
  [['install', '--Policy', 'p.json'], 'unknown option --Policy: did you mean --policy?'],
  [['policy', '--schem'], 'unknown option --schem: did you mean --schema?'],
  [['check', '--lockfile=false'], "--lockfile is safe-npm's own option: it takes no value"],
  [['check', '--no-probe'], "--probe is safe-npm's own option: it takes no value"],
  [['install', '--policy'], '--policy needs a file path'],
  [['check', '--format'], '--format needs one of'],
]

for (const [argv, message] of typos) {
  cli(`${argv.join(' ')} → exit 2, EUSAGE: ${message}`, async (context) => {
    const { dir, env } = await project(context)
    const io = fakeIo(dir, env)
    assert.is(await main(argv, io), 2)
    assert.ok(io.err().startsWith(`safe-npm: error EUSAGE: ${message}`), io.err())
    assert.is(io.err().trim().split('\n').length, 1, io.err())
    // --format … asked for a document: the error is one.
    if (argv.includes('--format')) assert.is(JSON.parse(io.out()).error.code, 'EUSAGE')
    else assert.is(io.out(), '')
  })
}

cli('a typo with --json: the error is also the JSON document on stdout', async (context) => {
  const { dir, env } = await project(context)
  const io = fakeIo(dir, env)
  assert.is(await main(['check', '--lockfil', '--json'], io), 2)
  assert.is(JSON.parse(io.out()).error.message, 'unknown option --lockfil: did you mean --lockfile?')
})

cli("install --save-deV: npm's own warning, a did-you-mean line under it, and the install goes on", async (context) => {
  const { dir, env } = await project(context)
  const io = fakeIo(dir, env)
  assert.is(await main(['install', '--save-deV', '--dry-run'], io), 0)
  const lines = io.err().split('\n')
  const warning = lines.indexOf('npm warn Unknown cli config "--save-deV". This will stop working in the next major version of npm.')
  assert.ok(warning !== -1, io.err())
  assert.is(lines[warning + 1], 'safe-npm: warn --save-deV is not an npm option, so npm ignores it: did you mean --save-dev?')
})

cli('the npm warnings follow --loglevel: none at silent or error', async (context) => {
  const { dir, env } = await project(context)
  for (const level of ['--loglevel=error', '--silent']) {
    const io = fakeIo(dir, env)
    assert.is(await main(['install', '--save-deV', '--dry-run', level], io), 0)
    assert.not.match(io.err(), /save-deV/, level)
  }
})

cli('an option far from every known one: npm\'s warning alone, no suggestion', async (context) => {
  const { dir, env } = await project(context)
  const io = fakeIo(dir, env)
  assert.is(await main(['install', '--zzqqxx', '--dry-run'], io), 0)
  assert.match(io.err(), /npm warn Unknown cli config "--zzqqxx"/)
  assert.not.match(io.err(), /did you mean/)
})

cli('an npm flag with a separate value before the command: the command npm would run (install), not the value', async (context) => {
  const { dir, env } = await project(context)
  const io = fakeIo(dir, env)
  assert.is(await main(['--registry', context.registry.url, 'install', '--dry-run', '--json'], io), 0, io.err())
  assert.is(JSON.parse(io.out()).command, 'install')
})

// ---- --version ------------------------------------------------------------------

cli('--version: safe-npm\'s version first, then the npm it hands commands to', async (context) => {
  const { dir, env } = await project(context)
  const io = fakeIo(dir, env)
  assert.is(await main(['--version'], io), 0)
  assert.match(io.out(), new RegExp(`^${SAFE_NPM_VERSION.replace(/\./g, '\\.')} \\(npm \\d+\\.\\d+\\.\\d+\\)\\n$`))
  // npm reads --version whatever the command: nothing is installed.
  const withCommand = fakeIo(dir, env)
  assert.is(await main(['install', '--version'], withCommand), 0)
  assert.is(withCommand.out(), io.out())
})

// ---- progress -------------------------------------------------------------------

/** The progress frames written to stderr, without the erase codes. */
const frames = (io: FakeIo) => io.err().split(ERASE).filter((part) => part.includes('safe-npm: ') && !part.includes('\n'))

cli('progress on a TTY: phases and the facts count on one line, erased before the report', async (context) => {
  const { dir, env } = await project(context)
  const io = fakeIo(dir, env, { stdoutIsTTY: true, stderrIsTTY: true })
  assert.is(await main(['check'], io), 0, io.err())
  const drawn = frames(io)
  assert.ok(drawn.some((frame) => frame.endsWith('safe-npm: resolving the dependency tree')), drawn.join('\n'))
  assert.ok(drawn.some((frame) => /safe-npm: gathering facts for 2 packages.* \(2\/2\)$/.test(frame)), drawn.join('\n'))
  assert.ok(drawn.some((frame) => frame.endsWith('safe-npm: judging')), drawn.join('\n'))
  // The last stderr write before the report is the erase, and nothing is drawn after it.
  const firstReport = io.writes.findIndex(([stream]) => stream === 'stdout')
  assert.ok(firstReport > 0)
  assert.equal(io.writes[firstReport - 1], ['stderr', ERASE])
  assert.not.ok(io.writes.slice(firstReport).some(([, text]) => text.startsWith(ERASE)), 'no frame after the report')
})

const silent: Array<[string, string[], Record<string, string | undefined>, Partial<Pick<Io, 'stdoutIsTTY' | 'stderrIsTTY'>>]> = [
  ['stderr is not a TTY', ['check'], {}, { stdoutIsTTY: true, stderrIsTTY: false }],
  ['stdout is not a TTY (npm\'s default)', ['check'], {}, { stdoutIsTTY: false, stderrIsTTY: true }],
  ['CI is set', ['check'], { CI: 'true' }, { stdoutIsTTY: true, stderrIsTTY: true }],
  ['TERM=dumb', ['check'], { TERM: 'dumb' }, { stdoutIsTTY: true, stderrIsTTY: true }],
  ['--silent', ['check', '--silent'], {}, { stdoutIsTTY: true, stderrIsTTY: true }],
  ['--loglevel error', ['check', '--loglevel', 'error'], {}, { stdoutIsTTY: true, stderrIsTTY: true }],
  ['--json', ['check', '--json'], {}, { stdoutIsTTY: true, stderrIsTTY: true }],
  ['--format sarif', ['check', '--format', 'sarif'], {}, { stdoutIsTTY: true, stderrIsTTY: true }],
  ['--no-progress', ['check', '--no-progress'], {}, { stdoutIsTTY: true, stderrIsTTY: true }],
  ['progress=false in the environment', ['check'], { npm_config_progress: 'false' }, { stdoutIsTTY: true, stderrIsTTY: true }],
]

for (const [name, argv, extra, tty] of silent) {
  cli(`no progress when ${name}`, async (context) => {
    const { dir, env } = await project(context, extra)
    const io = fakeIo(dir, env, tty)
    assert.is(await main(argv, io), 0, io.err())
    assert.not.ok(io.err().includes(ERASE), JSON.stringify(io.err()))
    assert.not.ok(io.out().includes(ERASE))
  })
}

cli('--progress turns it on in CI, as npm\'s setting does (stderr still a TTY)', async (context) => {
  const { dir, env } = await project(context, { CI: 'true' })
  const io = fakeIo(dir, env, { stdoutIsTTY: false, stderrIsTTY: true })
  assert.is(await main(['check', '--progress'], io), 0, io.err())
  assert.ok(frames(io).length > 0)
})

cli('an error erases the line before it is printed', async (context) => {
  const { dir, env } = await project(context)
  const io = fakeIo(dir, env, { stdoutIsTTY: true, stderrIsTTY: true })
  // Nothing listens there: resolution fails after the progress line was drawn.
  assert.is(await main(['check', '--registry', 'http://127.0.0.1:9/', '--fetch-retries=0'], io), 3, io.err())
  const errorAt = io.writes.findIndex(([, text]) => text.startsWith('safe-npm: error'))
  assert.ok(errorAt > 0, io.err())
  assert.equal(io.writes[errorAt - 1], ['stderr', ERASE])
})

cli.run()
