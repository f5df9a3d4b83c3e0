// Which npm safe-npm hands commands to: never safe-npm itself (a link or a
// wrapper named npm), found in the documented order.
import { mkdir, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { assertNotHandedBack, handoffEnv, locateNpm, npmVersionOf } from '../../lib/cli/npm-binary.ts'
import { NpmFailure, UsageError } from '../../lib/errors.ts'
import { makeTempDir, removeDirs } from '../helpers/workspace.js'

const SAFE_NPM_BIN = fileURLToPath(new URL('../../bin/safe-npm.js', import.meta.url))

const npmBinary = suite<{ root: string }>('npm binary')

npmBinary.before(async (context) => {
  context.root = await makeTempDir('safe-npm-npm-binary-')
})
npmBinary.after(async (context) => {
  await removeDirs(context.root)
})

/** A fake npm package folder with bin/npm-cli.js; returns the cli path. */
async function fakeNpm(dir: string, version = '11.99.0'): Promise<string> {
  await mkdir(join(dir, 'bin'), { recursive: true })
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'npm', version }))
  await writeFile(join(dir, 'bin', 'npm-cli.js'), '#!/usr/bin/env node\n')
  return join(dir, 'bin', 'npm-cli.js')
}

const throwsCode = (run: () => unknown, type: typeof UsageError | typeof NpmFailure, code: string) => {
  try {
    run()
  } catch (error) {
    assert.instance(error, type)
    assert.is((error as UsageError).code, code)
    return
  }
  assert.unreachable(`expected ${code}`)
}

npmBinary('SAFE_NPM_NPM first: npm-cli.js runs with this node; a missing file or safe-npm itself is refused', async ({ root }) => {
  const cli = await fakeNpm(join(root, 'explicit'))
  const found = locateNpm({ SAFE_NPM_NPM: cli, npm_execpath: '/nowhere/npm-cli.js' }, '/opt/node/bin/node')
  assert.equal([found.command, found.prefixArgs, found.origin], ['/opt/node/bin/node', [cli], 'SAFE_NPM_NPM'])
  assert.is(npmVersionOf(found), '11.99.0')
  throwsCode(() => locateNpm({ SAFE_NPM_NPM: join(root, 'missing') }), UsageError, 'ENONPM')
  await symlink(SAFE_NPM_BIN, join(root, 'npm-is-safe-npm'))
  throwsCode(() => locateNpm({ SAFE_NPM_NPM: join(root, 'npm-is-safe-npm') }), UsageError, 'ENONPM')
})

npmBinary('a relative SAFE_NPM_NPM is taken from the directory safe-npm runs in (the Io cwd), not the process cwd', async ({ root }) => {
  const cli = await fakeNpm(join(root, 'relative', 'npm'))
  const found = locateNpm({ SAFE_NPM_NPM: join('npm', 'bin', 'npm-cli.js') }, '/opt/node/bin/node', 'linux', join(root, 'relative'))
  assert.equal([found.prefixArgs, found.origin], [[cli], 'SAFE_NPM_NPM'])
  throwsCode(() => locateNpm({ SAFE_NPM_NPM: join('npm', 'bin', 'npm-cli.js') }, '/opt/node/bin/node', 'linux', root), UsageError, 'ENONPM')
})

npmBinary("npm_execpath when it is npm's npm-cli.js, not another tool's", async ({ root }) => {
  const cli = await fakeNpm(join(root, 'execpath', 'npm'))
  assert.equal(locateNpm({ npm_execpath: cli }, join(root, 'no-node', 'node')).prefixArgs, [cli])
  await writeFile(join(root, 'execpath', 'pnpm.cjs'), '')
  throwsCode(() => locateNpm({ npm_execpath: join(root, 'execpath', 'pnpm.cjs'), PATH: '' }, join(root, 'no-node', 'node')), NpmFailure, 'ENONPM')
})

npmBinary('the npm beside the running node', async ({ root }) => {
  const prefix = join(root, 'node-prefix')
  const cli = await fakeNpm(join(prefix, 'lib', 'node_modules', 'npm'), '11.19.1')
  const found = locateNpm({ PATH: '' }, join(prefix, 'bin', 'node'), 'linux')
  assert.equal(found.prefixArgs, [cli])
  assert.is(npmVersionOf(found), '11.19.1')
})

npmBinary('PATH: a link named npm to safe-npm is skipped, the next npm is used', async ({ root }) => {
  const linkDir = join(root, 'path-link')
  const realDir = join(root, 'path-real')
  await mkdir(linkDir, { recursive: true })
  await mkdir(realDir, { recursive: true })
  await symlink(SAFE_NPM_BIN, join(linkDir, 'npm'))
  const cli = await fakeNpm(join(root, 'path-npm'))
  await symlink(cli, join(realDir, 'npm'))
  const found = locateNpm({ PATH: `${linkDir}:${realDir}` }, join(root, 'no-node', 'node'), 'linux')
  assert.equal(found.prefixArgs, [cli], 'the link resolved to npm-cli.js, run with this node')
  throwsCode(() => locateNpm({ PATH: linkDir }, join(root, 'no-node', 'node'), 'linux'), NpmFailure, 'ENONPM')
})

npmBinary('a hand-over that comes back with the same command line is a loop; a script calling safe-npm is not', () => {
  const env = handoffEnv(['run', 'build'], { PATH: '/bin' })
  assert.is(env.PATH, '/bin')
  throwsCode(() => assertNotHandedBack(['run', 'build'], env), UsageError, 'ENPMLOOP')
  assertNotHandedBack(['install'], env)
  assertNotHandedBack(['run', 'build'], {})
  // A wrapper that changes the arguments is stopped by the depth count.
  let deep: NodeJS.ProcessEnv = {}
  for (let level = 0; level < 17; level++) deep = handoffEnv(['run', `step-${level}`], deep)
  throwsCode(() => assertNotHandedBack(['run', 'next'], deep), UsageError, 'ENPMLOOP')
})

npmBinary.run()
