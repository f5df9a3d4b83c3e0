// Popular real trees must not trip the name-based rules: every package of real
// lockfiles (a 1,000-package web app, this project) is checked by typosquatting.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { readFileSync } from 'node:fs'
import { typosquattingRule } from '../../lib/rules/typosquatting.ts'
import type { PackageView } from '../../lib/model/rule.js'
import { ruleContext } from '../helpers/rule-context.ts'

await typosquattingRule.prepare?.()

const LOCKFILES = ['webapp.package-lock.json', 'safe-npm.package-lock.json']

function packagesOf(file: string): Array<{ name: string; version: string }> {
  const lock = JSON.parse(readFileSync(new URL(`../fixtures/real-trees/${file}`, import.meta.url), 'utf8'))
  return Object.entries<any>(lock.packages)
    .filter(([location, entry]) => location.includes('node_modules/') && !entry.link)
    .map(([location, entry]) => ({ name: entry.name ?? location.slice(location.lastIndexOf('node_modules/') + 13), version: entry.version }))
}

const context = ruleContext()

for (const file of LOCKFILES) {
  test(`no typosquatting finding in the real tree ${file}`, () => {
    const packages = packagesOf(file)
    assert.ok(packages.length > 150, `${file} has ${packages.length} packages`)
    const flagged = packages.filter(({ name, version }) =>
      typosquattingRule.check({ name, version, source: 'registry' } as PackageView, { status: 'known' }, context).length > 0,
    )
    assert.equal(flagged.map(({ name }) => name), [])
  })
}

test('a transposed copy of a popular name in the same tree is flagged', () => {
  const findings = typosquattingRule.check({ name: 'expresss', version: '1.0.0', source: 'registry' } as PackageView, { status: 'known' }, context)
  assert.is(findings[0]?.messageId, 'imitates')
  assert.is(findings[0]?.args.imitates, 'express')
})

test.run()
