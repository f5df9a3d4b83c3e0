// Reading a tarball's own package.json: the fields npm acts on, normalised as
// npm does, streamed from a real registry tarball (fixture registry on
// loopback) with its integrity checked.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { readTarballManifests, tarballManifestFrom, type TarballTarget } from '../../lib/npm/tarball-manifest.ts'
import { loadFixturePackages, startRegistry } from '../helpers/fixture-registry.ts'
import { makeTempDir, removeDirs } from '../helpers/workspace.ts'

test('the fields npm acts on, normalised like npm', () => {
  const manifest = tarballManifestFrom(
    JSON.stringify({ name: '@acme/tool', version: 'v1.2.3', bin: './cli.js', scripts: { postinstall: 'node x.js', odd: 1 }, dependencies: { a: ' ^1.0.0 ' }, gypfile: false }),
    ['package.json', 'cli.js'],
  )
  assert.equal(manifest, {
    name: '@acme/tool',
    version: '1.2.3',
    scripts: { postinstall: 'node x.js' },
    dependencies: { a: '^1.0.0' },
    optionalDependencies: {},
    peerDependencies: {},
    bin: { tool: 'cli.js' },
    gypfile: false,
    hasBindingGyp: false,
  })
})

test('directories.bin without bin links every non-dot file of that folder; binding.gyp is noticed', () => {
  const manifest = tarballManifestFrom(JSON.stringify({ name: 'x', version: '1.0.0', directories: { bin: './bin' } }), ['package.json', 'bin/a', 'bin/sub/b.js', 'bin/.hidden', 'binding.gyp', 'lib/binding.gyp'])
  assert.equal(manifest.bin, { a: 'bin/a', 'b.js': 'bin/sub/b.js' })
  assert.is(manifest.hasBindingGyp, true)
})

test('a package.json that is not an object is an error', () => {
  assert.throws(() => tarballManifestFrom('[]', ['package.json']))
  assert.throws(() => tarballManifestFrom('{', ['package.json']))
})

test('registry tarballs are streamed and read; a wrong integrity makes one unreadable', async () => {
  const registry = await startRegistry(loadFixturePackages(['gyp-pkg', 'with-dep', 'hidden-postinstall']))
  const cache = await makeTempDir('safe-npm-tarball-cache-')
  try {
    const targetOf = async (name: string, integrity?: string): Promise<TarballTarget> => {
      const version = (await registry.packument(name))!.versions['1.0.0']
      return {
        location: `node_modules/${name}`,
        name,
        version: '1.0.0',
        resolved: version.dist.tarball,
        integrity: integrity ?? version.dist.integrity,
        declared: { scripts: {}, hasScriptList: false, dependencies: {}, optionalDependencies: {}, peerDependencies: {}, bin: {} },
      }
    }
    const wrong = `sha512-${Buffer.alloc(64).toString('base64')}`
    const targets = [await targetOf('gyp-pkg'), await targetOf('with-dep'), await targetOf('hidden-postinstall'), { ...(await targetOf('with-dep')), location: 'node_modules/wrong' , integrity: wrong }]
    const npmCache = `${cache}/_cacache`
    const read = await readTarballManifests(targets, { registry: registry.url, cache: npmCache })
    const manifestOf = (location: string) => {
      const fact = read.get(location)
      assert.ok(fact?.state === 'read', `${location}: ${JSON.stringify(fact)}`)
      return fact.manifest
    }
    assert.is(manifestOf('node_modules/gyp-pkg').hasBindingGyp, true)
    assert.equal(manifestOf('node_modules/with-dep').dependencies, { 'tiny-dep': '^1.0.0' })
    assert.equal(manifestOf('node_modules/hidden-postinstall').scripts, { postinstall: 'node install.js' })
    const unreadable = read.get('node_modules/wrong')
    assert.is(unreadable?.state, 'unreadable')
    assert.match(JSON.stringify(unreadable), /EINTEGRITY|integrity/i)

    // Read once per integrity: the summaries beside npm's cache answer the next install; an unreadable one is asked again.
    registry.requests.length = 0
    const again = await readTarballManifests(targets, { registry: registry.url, cache: npmCache })
    assert.equal(again.get('node_modules/hidden-postinstall'), read.get('node_modules/hidden-postinstall'))
    assert.equal(again.get('node_modules/gyp-pkg'), read.get('node_modules/gyp-pkg'))
    assert.is(again.get('node_modules/wrong')?.state, 'unreadable')
    const fetched = registry.requests.filter((request: any) => /\.tgz$/.test(request.path ?? request.url ?? '')).map((request: any) => request.path ?? request.url)
    assert.ok(fetched.length > 0, 'the unreadable one is fetched again')
    assert.equal([...new Set(fetched)], ['/with-dep/-/with-dep-1.0.0.tgz'], 'only the tarball whose integrity did not match')
  } finally {
    await registry.close()
    await removeDirs(cache)
  }
})

test('an install script and the files it runs are judged from the tarball; the verdict is kept under the integrity, so a warm read needs no tarball', async () => {
  const registry = await startRegistry(loadFixturePackages(['dropper-script', 'hidden-postinstall', 'with-dep']))
  const cache = await makeTempDir('safe-npm-tarball-cache-')
  try {
    const targets: TarballTarget[] = []
    for (const name of ['dropper-script', 'hidden-postinstall', 'with-dep']) {
      const version = (await registry.packument(name))!.versions['1.0.0']
      targets.push({
        location: `node_modules/${name}`,
        name,
        version: '1.0.0',
        resolved: version.dist.tarball,
        integrity: version.dist.integrity,
        declared: { scripts: {}, hasScriptList: false, dependencies: {}, optionalDependencies: {}, peerDependencies: {}, bin: {} },
      })
    }
    const npmCache = `${cache}/_cacache`
    const verdictOf = (read: Map<string, any>, location: string) => {
      const fact = read.get(location)
      assert.ok(fact?.state === 'read', `${location}: ${JSON.stringify(fact)}`)
      return fact.manifest.scriptContent
    }
    const read = await readTarballManifests(targets, { registry: registry.url, cache: npmCache })
    const dropper = verdictOf(read, 'node_modules/dropper-script')
    assert.equal(dropper.read.sort(), ['preinstall.js', 'preinstall.sh'])
    assert.equal(dropper.shapes.map((hit: any) => `${hit.shape} ${hit.file}:${hit.line}`), ['download-and-run preinstall.sh:2'])
    assert.equal(verdictOf(read, 'node_modules/hidden-postinstall').shapes, [], 'a marker script shows no dropper shape')
    assert.equal(verdictOf(read, 'node_modules/with-dep'), undefined, 'no install script, nothing analysed')

    // Warm: the registry is gone and npm's cache emptied; the summaries still answer, verdict included.
    await registry.close()
    await removeDirs(npmCache)
    const again = await readTarballManifests(targets, { registry: registry.url, cache: npmCache, fetchRetries: 0 })
    assert.equal(verdictOf(again, 'node_modules/dropper-script'), dropper)
  } finally {
    await registry.close().catch(() => {})
    await removeDirs(cache)
  }
})

test.run()
