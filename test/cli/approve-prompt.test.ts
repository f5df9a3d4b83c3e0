// The approval offer after a blocked install, in-process with an injected
// terminal: when it may ask at all, which findings it asks about, and the
// dialogue (yes, reason, expiry; no; a bad expiry asked again).
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { approvableFindings, isPromptAllowed, offerApprovals } from '../../lib/cli/approve-prompt.ts'
import type { Io } from '../../lib/cli/io.ts'
import type { Finding } from '../../lib/model/rule.ts'
import { makeProject, removeDirs } from '../helpers/workspace.js'

const prompt = suite<{ dirs: string[] }>('cli: the approval offer')
prompt.before((context) => {
  context.dirs = []
})
prompt.after(async (context) => {
  await removeDirs(...context.dirs)
})

function terminal(cwd: string, env: NodeJS.ProcessEnv = {}, overrides: Partial<Io> = {}): Io & { err: () => string; stdin: PassThrough } {
  let err = ''
  const stdin = new PassThrough()
  return {
    cwd,
    env,
    stdout: { write: () => undefined },
    stderr: { write: (text) => void (err += text) },
    stdoutIsTTY: true,
    stderrIsTTY: true,
    stdin,
    stdinIsTTY: true,
    err: () => err,
    ...overrides,
  } as Io & { err: () => string; stdin: PassThrough }
}

const finding = (name: string, version: string, ruleId: string, severity: 'block' | 'warn' = 'block', location = `node_modules/${name}`): Finding =>
  ({
    code: `${ruleId}/x`,
    ruleId,
    messageId: 'x',
    severity,
    package: { name, version, location },
    path: ['app', name],
    message: `${name}@${version} is reported`,
    hint: null,
    args: {},
  }) as Finding

prompt('asks only on a terminal (stdin and stderr), never with CI set, never with a machine format', () => {
  const io = terminal('/tmp')
  assert.ok(isPromptAllowed(io, false))
  assert.not.ok(isPromptAllowed(io, true), 'a machine format')
  assert.not.ok(isPromptAllowed({ ...io, env: { CI: '1' } }, false), 'CI=1')
  assert.not.ok(isPromptAllowed({ ...io, env: { CI: 'false' } }, false), 'CI=false is still set')
  assert.not.ok(isPromptAllowed({ ...io, stdinIsTTY: false }, false), 'stdin not a terminal')
  assert.not.ok(isPromptAllowed({ ...io, stderrIsTTY: false }, false), 'stderr not a terminal')
  assert.not.ok(isPromptAllowed({ ...io, stdin: undefined }, false), 'no stdin')
})

prompt('asks about blocks with a package, once per package version and rule', () => {
  const candidates = approvableFindings([
    finding('a', '1.0.0', 'minimum-release-age'),
    finding('a', '1.0.0', 'minimum-release-age', 'block', 'node_modules/b/node_modules/a'),
    finding('a', '1.0.0', 'packages'),
    finding('w', '1.0.0', 'deprecated', 'warn'),
    finding('app', '1.0.0', 'dependency-confusion', 'block', ''),
  ])
  assert.equal(candidates.map((entry) => `${entry.package.name} ${entry.ruleId}`), ['a minimum-release-age', 'a packages'])
})

prompt('the dialogue: yes with a reason and a span (a bad one asked again), then no; only the approved one is written', async (context) => {
  const dir = await makeProject({ 'package.json': { name: 'app', version: '1.0.0' } })
  context.dirs.push(dir)
  const io = terminal(dir)
  io.stdin.write('y\n\nreviewed\nsoon\n2w\nn\n')
  const written = await offerApprovals([finding('a', '1.0.0', 'minimum-release-age'), finding('b', '2.0.0', 'packages')], io, { cwd: dir })
  assert.is(written, 1)
  const policy = JSON.parse(await readFile(join(dir, '.safe-npmrc.json'), 'utf8'))
  assert.is(policy.exceptions.length, 1)
  assert.equal([policy.exceptions[0].package, policy.exceptions[0].rule, policy.exceptions[0].reason], ['a@1.0.0', 'minimum-release-age', 'reviewed'])
  assert.match(policy.exceptions[0].expires, /^\d{4}-\d{2}-\d{2}$/)
  assert.match(io.err(), /"soon" is neither a date/)
  assert.match(io.err(), /Approve an exception for b@2\.0\.0 from packages\? \[y\/N\] /)
})

prompt('stdin ending stops the questions; nothing is written', async (context) => {
  const dir = await makeProject({ 'package.json': { name: 'app', version: '1.0.0' } })
  context.dirs.push(dir)
  const io = terminal(dir)
  io.stdin.end('y\n')
  assert.is(await offerApprovals([finding('a', '1.0.0', 'minimum-release-age')], io, { cwd: dir }), 0)
  assert.is(await readFile(join(dir, '.safe-npmrc.json'), 'utf8').catch(() => null), null)
})

prompt.run()
