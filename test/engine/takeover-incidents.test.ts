// The shapes of real takeovers (test/fixtures/registry/incidents), judged by
// the whole engine in-process (main(), one fixture registry, every feed off):
// each is blocked, by the takeover rule or by the age gate, and the test says
// which. Versions are pinned, as a lockfile or an exact spec would keep them.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { main } from '../../lib/cli/main.ts'
import { fakeIo } from '../helpers/fake-io.js'
import { loadFixturePackages, startRegistry, type FixtureRegistry } from '../helpers/fixture-registry.js'
import { isolatedEnv, makeProject, makeTempDir, removeDirs } from '../helpers/workspace.js'

const PACKAGES = ['event-stream', 'flatmap-stream', 'eslint-scope', 'ua-parser-js', 'coa', 'rc', 'node-ipc', 'peacenotwar', 'nx', 'chalk', 'debug', '@ctrl/tinycolor']
const FEEDS_OFF = { intel: { registryAdvisories: false, osv: { enabled: false } } }

const incidents = suite<{ registry: FixtureRegistry; dirs: string[] }>('takeover incidents (engine, in-process)')

incidents.before(async (context) => {
  context.registry = await startRegistry(loadFixturePackages(PACKAGES, Date.now(), 'incidents'))
  context.dirs = []
})
incidents.after(async (context) => {
  await context.registry.close()
  await removeDirs(...context.dirs)
})

interface Finding {
  code: string
  severity: string
  package: { name: string; version: string }
  data: Record<string, string | number>
}

/** `safe-npm check --json` of a project with these exact dependencies, feeds off; extra rules as given. */
async function check(context: { registry: FixtureRegistry; dirs: string[] }, dependencies: Record<string, string>, rules: Record<string, string> = {}) {
  const dir = await makeProject({
    'package.json': { name: 'app', version: '1.0.0', private: true, dependencies },
    '.safe-npmrc.json': { ...FEEDS_OFF, rules },
  })
  const home = await makeTempDir('safe-npm-home-')
  context.dirs.push(dir, home)
  const io = fakeIo(dir, isolatedEnv(context.registry.url, home))
  const code = await main(['check', '--json'], io)
  const report = JSON.parse(io.out())
  return { code, findings: report.findings as Finding[], err: io.err() }
}

const blocks = (findings: Finding[]) => findings.filter((finding) => finding.severity === 'block').map((finding) => `${finding.code} ${finding.package.name}@${finding.package.version}`)
const signalsOf = (findings: Finding[], name: string) =>
  String(findings.find((finding) => finding.code === 'takeover/takeover-pattern' && finding.package.name === name)?.data.signalIds ?? '').split(',').filter(Boolean)

/** Caught by the takeover rule alone: the versions are past the age gate, and the rule blocks with these signals. */
const byTakeover: Array<[string, Record<string, string>, string, string[]]> = [
  ['event-stream 2018', { 'event-stream': '3.3.6' }, 'event-stream', ['new-publisher', 'young-dependency', 'cadence']],
  ['coa 2021', { coa: '2.1.3' }, 'coa', ['install-script', 'cadence']],
  ['rc 2021', { rc: '1.3.9' }, 'rc', ['install-script', 'cadence']],
  ['nx 2025', { nx: '21.5.0' }, 'nx', ['lost-trust', 'install-script']],
  ['Shai-Hulud 2025', { '@ctrl/tinycolor': '4.1.2' }, '@ctrl/tinycolor', ['lost-trust', 'install-script']],
]

for (const [incident, dependencies, name, signals] of byTakeover) {
  incidents(`${incident}: the takeover rule blocks ${name} (${signals.join(' + ')}), the age gate does not`, async (context) => {
    const result = await check(context, dependencies)
    assert.is(result.code, 1, result.err)
    assert.equal(blocks(result.findings), [`takeover/takeover-pattern ${name}@${dependencies[name]}`])
    assert.equal(signalsOf(result.findings, name), signals)
  })
}

/** Only one signal (or none) shows: the age gate is what stops them, the takeover rule stays quiet. */
const byAgeGate: Array<[string, Record<string, string>, string[]]> = [
  ['eslint-scope 2018 (same account, postinstall only)', { 'eslint-scope': '3.7.2' }, ['eslint-scope@3.7.2']],
  ['ua-parser-js 2021 (same account, preinstall only, usual cadence)', { 'ua-parser-js': '0.7.29' }, ['ua-parser-js@0.7.29']],
  ['node-ipc 2022 (the maintainer himself: payload in code; young peacenotwar alone)', { 'node-ipc': '10.1.2', peacenotwar: '9.1.3' }, ['node-ipc@10.1.2']],
  ['node-ipc 2022, 9.2.2 with peacenotwar', { 'node-ipc': '9.2.2' }, ['node-ipc@9.2.2']],
  ['chalk and debug, September 2025 (same account, no script)', { chalk: '5.6.1', debug: '4.4.2' }, ['chalk@5.6.1', 'debug@4.4.2']],
]

for (const [incident, dependencies, young] of byAgeGate) {
  incidents(`${incident}: only minimum-release-age blocks`, async (context) => {
    const result = await check(context, dependencies)
    assert.is(result.code, 1, result.err)
    assert.equal(blocks(result.findings).sort(), young.map((label) => `minimum-release-age/too-young ${label}`).sort())
    assert.equal(result.findings.filter((finding) => finding.code.startsWith('takeover/')), [])
  })
}

incidents('ua-parser-js with the age gate off: nothing blocks (a single signal is a warning of its own rule)', async (context) => {
  const result = await check(context, { 'ua-parser-js': '0.7.29' }, { 'minimum-release-age': 'off' })
  assert.is(result.code, 0, result.err)
  assert.ok(result.findings.some((finding) => finding.code === 'new-install-script/script-added' && finding.severity === 'warn'))
})

incidents.run()
