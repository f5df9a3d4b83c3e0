// The adapter over Arborist's Node, on trees Arborist itself loads from
// package-lock.json (no network): identity fields, npm aliases in real trees.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import Arborist from '@npmcli/arborist'
import { readFileSync } from 'node:fs'
import { toPackageView, treeHasBundles } from '../../lib/npm/package-view.ts'
import { packageIdentityRule } from '../../lib/rules/package-identity.ts'
import type { PackageView, RuleContext } from '../../lib/model/rule.js'
import { makeProject, removeDirs } from '../helpers/workspace.ts'

const REGISTRY = 'https://registry.npmjs.org/'

async function viewsOf(lock: any): Promise<PackageView[]> {
  const root = lock.packages['']
  const dir = await makeProject({ 'package.json': { name: root.name, version: root.version, dependencies: root.dependencies ?? {}, devDependencies: root.devDependencies ?? {} }, 'package-lock.json': lock })
  try {
    const tree = await new Arborist({ path: dir }).loadVirtual()
    const locked = new Map<string, string>(Object.entries<any>(lock.packages).map(([location, entry]) => [location, entry.version]))
    return [...tree.inventory.values()].filter((node: any) => !node.isProjectRoot && !node.isLink).map((node: any) => toPackageView(node, [REGISTRY], locked))
  } finally {
    await removeDirs(dir)
  }
}

const identityCodes = (views: PackageView[]) =>
  views.flatMap((pkg) => packageIdentityRule.check(pkg, { status: 'not-applicable' }, {} as RuleContext).map((finding) => `${pkg.location}: ${finding.messageId}`))

const realTree = (file: string) => JSON.parse(readFileSync(new URL(`../fixtures/real-trees/${file}`, import.meta.url), 'utf8'))

test('real trees, npm aliases included, have no identity finding', async () => {
  for (const file of ['webapp.package-lock.json', 'safe-npm.package-lock.json']) {
    const views = await viewsOf(realTree(file))
    assert.ok(views.length > 150, `${file}: ${views.length} packages`)
    assert.equal(identityCodes(views), [], file)
  }
})

test('an alias is viewed as its target, with the folder and the names asked for beside it', async () => {
  const views = await viewsOf(realTree('webapp.package-lock.json'))
  const alias = views.find((pkg) => pkg.location === 'node_modules/string-width-cjs')!
  assert.is(alias.name, 'string-width')
  assert.is(alias.folderName, 'string-width-cjs')
  assert.is(alias.claimedName, 'string-width')
  assert.equal(alias.requestedNames, ['string-width'])
})

test('the lockfile\'s license is kept when it is a string (for the SBOM); an object or a blank is left out', async () => {
  const lock = (license: unknown) => ({
    name: 'app',
    version: '1.0.0',
    lockfileVersion: 3,
    packages: {
      '': { name: 'app', version: '1.0.0', dependencies: { a: '1.0.0' } },
      'node_modules/a': { version: '1.0.0', resolved: `${REGISTRY}a/-/a-1.0.0.tgz`, integrity: 'sha512-AAAA', license },
    },
  })
  assert.is((await viewsOf(lock('MIT OR Apache-2.0')))[0].license, 'MIT OR Apache-2.0')
  assert.is((await viewsOf(lock({ type: 'MIT' })))[0].license, undefined)
  assert.is((await viewsOf(lock('  ')))[0].license, undefined)
})

const tampered = (entry: Record<string, unknown>) => ({
  name: 'app',
  version: '1.0.0',
  lockfileVersion: 3,
  requires: true,
  packages: {
    '': { name: 'app', version: '1.0.0', dependencies: { 'fresh-pkg': '^1.0.0' } },
    'node_modules/fresh-pkg': { integrity: 'sha512-AAAA', ...entry },
  },
})

test('a lockfile entry claiming another package is viewed as the tarball it resolves to', async () => {
  const [pkg] = await viewsOf(tampered({ name: 'left-pad-lite', version: '1.0.0', resolved: `${REGISTRY}fresh-pkg/-/fresh-pkg-1.0.1.tgz` }))
  assert.is(pkg.name, 'fresh-pkg')
  assert.is(pkg.version, '1.0.1')
  assert.is(pkg.claimedName, 'left-pad-lite')
  assert.is(pkg.claimedVersion, '1.0.0')
  assert.is(pkg.folderName, 'fresh-pkg')
  assert.equal(pkg.requestedNames, ['fresh-pkg'])
  assert.equal(identityCodes([pkg]), ['node_modules/fresh-pkg: name-mismatch', 'node_modules/fresh-pkg: version-mismatch'])
})

test('without a resolved URL the claim is what npm fetches', async () => {
  const [pkg] = await viewsOf(tampered({ name: 'left-pad-lite', version: '1.0.0' }))
  assert.is(pkg.name, 'left-pad-lite')
  assert.equal(identityCodes([pkg]), ['node_modules/fresh-pkg: name-mismatch'])
})


test('a tree without bundled packages is viewed the same without walking up for bundles; a bundle is still seen', async () => {
  const lock = realTree('webapp.package-lock.json')
  const root = lock.packages['']
  const dir = await makeProject({ 'package.json': { name: root.name, version: root.version, dependencies: root.dependencies ?? {}, devDependencies: root.devDependencies ?? {} }, 'package-lock.json': lock })
  try {
    const tree = await new Arborist({ path: dir }).loadVirtual()
    assert.is(treeHasBundles(tree), false)
    for (const node of [...tree.inventory.values()].filter((candidate: any) => !candidate.isProjectRoot)) {
      assert.equal(toPackageView(node, [REGISTRY], new Map(), undefined, false), toPackageView(node, [REGISTRY], new Map()), node.location)
    }
  } finally {
    await removeDirs(dir)
  }
  const bundling = {
    name: 'app', version: '1.0.0', lockfileVersion: 3,
    packages: {
      '': { name: 'app', version: '1.0.0', dependencies: { carrier: '1.0.0' } },
      'node_modules/carrier': { version: '1.0.0', resolved: `${REGISTRY}carrier/-/carrier-1.0.0.tgz`, integrity: 'sha512-a', bundleDependencies: ['inner'], dependencies: { inner: '1.0.0' } },
      'node_modules/carrier/node_modules/inner': { version: '1.0.0', inBundle: true },
    },
  }
  const bundleDir = await makeProject({ 'package.json': { name: 'app', version: '1.0.0', dependencies: { carrier: '1.0.0' } }, 'package-lock.json': bundling })
  try {
    const tree = await new Arborist({ path: bundleDir }).loadVirtual()
    assert.is(treeHasBundles(tree), true)
    const inner = tree.inventory.get('node_modules/carrier/node_modules/inner')
    assert.is(toPackageView(inner, [REGISTRY], new Map(), undefined, treeHasBundles(tree)).source, 'bundled')
  } finally {
    await removeDirs(bundleDir)
  }
})

test.run()
