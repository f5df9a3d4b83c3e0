// safe-npm --version reads the package's own package.json both from source
// (lib/cli/version.ts under tsx) and from the build (dist/lib/cli/version.js).
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { safeNpmVersion } from '../../lib/cli/version.js'

const PACKAGE_VERSION: string = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version
const BUILT = new URL('../../dist/lib/cli/version.js', import.meta.url)

const version = suite('version')

version('from source: the version of the package.json at the package root', () => {
  assert.is(safeNpmVersion(), PACKAGE_VERSION)
})

version('from the build: the same version', async () => {
  if (!existsSync(fileURLToPath(BUILT))) return // npm test builds first; a bare uvu run may not have
  const built: typeof import('../../lib/cli/version.js') = await import(BUILT.href)
  assert.is(built.safeNpmVersion(), PACKAGE_VERSION)
})

version.run()
