// The API's types, as a consumer sees them: a TypeScript project outside this
// repository with safe-npm in its node_modules (a symlink here) resolves
// `safe-npm` through package.json `exports` to the built declarations, and
// type-checks with skipLibCheck off and no @types/node: the declarations are
// self-contained. A wrong use is an error (the types are not `any`), and the
// same folder imports the built package at run time.
import { execFile } from 'node:child_process'
import { mkdir, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { makeTempDir, removeDirs } from '../helpers/workspace.js'

const run = promisify(execFile)
const repo = fileURLToPath(new URL('../..', import.meta.url))

const CONSUMER = `import { judgeLockfile, judgeProject, judgeSpecs, screenNames, SafeNpmError, type JudgementData, type NameScreening, type SignalStatus } from 'safe-npm'
const screened: NameScreening[] = screenNames(['jqeury'], { allow: [] })
const imitated: string | undefined = screened[0].imitates?.name
export async function use(): Promise<string> {
  const judged: JudgementData = await judgeProject('.', { npmArgs: ['--registry', 'https://registry.npmjs.org/'], env: {} })
  const locked = await judgeLockfile('.', { onProgress: (phase: string) => phase })
  const specs = await judgeSpecs(['left-pad@1.3.0'], { dir: '.' })
  const status: SignalStatus = specs.signals[0].signals[0].status
  const facts: string | number | boolean | string[] | null | undefined = specs.signals[0].signals[0].facts.age
  try {
    await judgeSpecs([])
  } catch (error) {
    if (error instanceof SafeNpmError) return error.code + error.exitCode
  }
  return [judged.result, locked.findings[0]?.code, status, imitated, String(facts)].join()
}
`
const WRONG = `import { screenNames, judgeProject } from 'safe-npm'
export const count: number = screenNames(['a'])[0].nearest
export const result: 'fine' = (await judgeProject('.')).result
`

test('a TypeScript consumer type-checks against the exports\' types; wrong uses are errors; the package imports by name', async () => {
  const dir = await makeTempDir('safe-npm-consumer-')
  try {
    await mkdir(join(dir, 'node_modules'))
    await symlink(repo, join(dir, 'node_modules', 'safe-npm'), 'dir')
    await writeFile(join(dir, 'package.json'), '{ "type": "module", "private": true }\n')
    await writeFile(join(dir, 'consumer.ts'), CONSUMER)
    await writeFile(join(dir, 'wrong.ts'), WRONG)
    const options = { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: false, noEmit: true, types: [] }
    await writeFile(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: options, files: ['consumer.ts', 'wrong.ts'] }))
    const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc')
    const result = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: dir }).then(() => ({ stdout: '' }), (error: { stdout: string }) => error)
    const errors = result.stdout.split('\n').filter((line) => /error TS\d+/.test(line))
    assert.ok(errors.length > 0, 'the wrong uses are type errors')
    assert.equal(errors.filter((line) => !line.startsWith('wrong.ts(')), [], `only wrong.ts has errors:\n${result.stdout}`)
    assert.ok(errors.some((line) => line.startsWith('wrong.ts(2,') && line.includes('TS2322')), result.stdout)
    assert.ok(errors.some((line) => line.startsWith('wrong.ts(3,') && line.includes('TS2322')), result.stdout)

    const script = "const lib = await import('safe-npm'); console.log(JSON.stringify([Object.keys(lib).sort(), lib.screenNames(['crossenv'])[0].imitates]))"
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: dir })
    assert.equal(JSON.parse(stdout), [['SafeNpmError', 'judgeLockfile', 'judgeProject', 'judgeSpecs', 'screenNames'], { name: 'cross-env', technique: 'delimiter-variant' }])
  } finally {
    await removeDirs(dir)
  }
})

test.run()
