// What an install script's own text shows, read from the tarball and never
// run: the shapes of droppers seen in real incidents (ua-parser-js and coa/rc
// 2021: curl/wget/certutil a binary, chmod or regsvr32 it; eslint-scope 2018:
// eval what an HTTPS answer sends, read ~/.npmrc; node-ipc 2022: URLs and
// paths hidden in base64; nx 2025: append to ~/.bashrc, read npm and gh
// tokens; "Shai-Hulud" 2025: trufflehog, NPM_TOKEN, webhook.site, npm
// publish). Pure: the caller hands in the commands and the files' text.
import { INSTALL_SCRIPT_NAMES } from './version-signals.js'
import type { ScriptContentVerdict, ScriptShape, ScriptShapeId, TarballManifest } from '../model/rule.js'

export const GYP_INSTALL = 'node-gyp rebuild'

/** Install-time scripts as npm runs them from the tarball's own package.json once it is unpacked. */
export function tarballInstallScriptsOf(manifest: Pick<TarballManifest, 'scripts' | 'hasBindingGyp' | 'gypfile'>): Record<string, string> {
  const scripts: Record<string, string> = {}
  for (const event of INSTALL_SCRIPT_NAMES) if (manifest.scripts[event]) scripts[event] = manifest.scripts[event]
  // npm adds `node-gyp rebuild` when binding.gyp ships and neither install nor preinstall is set (gypfile: false opts out).
  if (manifest.hasBindingGyp && manifest.gypfile !== false && !scripts.install && !scripts.preinstall) scripts.install = GYP_INSTALL
  return scripts
}

export const SCRIPT_SHAPE_DESCRIPTIONS: Record<ScriptShapeId, string> = {
  'download-and-run': 'downloads a program and runs it',
  'remote-command': 'runs a command that fetches from a remote URL',
  'eval-remote': 'evaluates code received over the network',
  'eval-decoded': 'evaluates decoded data',
  'encoded-payload': 'hides a URL, command or code in encoded text',
  'writes-outside-package': 'writes outside the package',
  'reads-credentials': 'reads npm tokens or other credentials',
  'secret-scanner': 'runs a secret scanner',
  'exfiltration-endpoint': 'sends data to a data-collection endpoint',
  'publishes-packages': 'publishes npm packages',
}

export interface ScriptFile {
  /** Path inside the package (`install.js`, `scripts/postinstall.mjs`). */
  path: string
  text: string
}

export const SCRIPT_CONTENT_ANALYSIS_VERSION = 1

const SCRIPT_EXTENSIONS = ['.js', '.cjs', '.mjs', '.sh', '.bash', '.bat', '.cmd', '.ps1', '.gyp', '.py', '.ts']
const RESOLVE_EXTENSIONS = ['', '.js', '.cjs', '.mjs', '/index.js', '/index.cjs', '/index.mjs']
const INTERPRETERS = new Set(['node', 'nodejs', 'sh', 'bash', 'zsh', 'dash', 'cmd', 'powershell', 'pwsh', 'bun', 'deno', 'python', 'python3', 'tsx', 'ts-node', 'call'])

function normalise(file: string): string | null {
  const parts: string[] = []
  for (const part of file.replace(/\\/g, '/').split('/')) {
    if (part === '' || part === '.') continue
    if (part === '..') {
      if (parts.length === 0) return null
      parts.pop()
    } else parts.push(part)
  }
  return parts.length > 0 ? parts.join('/') : null
}

function resolveIn(files: Set<string>, candidate: string, withExtensions: boolean): string | null {
  const base = normalise(candidate)
  if (!base) return null
  for (const extension of withExtensions ? RESOLVE_EXTENSIONS : ['']) if (files.has(base + extension)) return base + extension
  return null
}

const unquote = (token: string) => token.replace(/^['"]|['"]$/g, '')

/** Relative module specifiers and file names a piece of code refers to. */
function referencesIn(text: string): Array<{ spec: string; isModule: boolean }> {
  const found: Array<{ spec: string; isModule: boolean }> = []
  for (const match of text.matchAll(/(?:\brequire|\bimport)\s*\(\s*['"`](\.{1,2}\/[^'"`\s]{1,200})['"`]/g)) found.push({ spec: match[1], isModule: true })
  for (const match of text.matchAll(/\bfrom\s*['"](\.{1,2}\/[^'"\s]{1,200})['"]/g)) found.push({ spec: match[1], isModule: true })
  // File names in string literals (`path.join(__dirname, 'compile.bat')`, `'./preinstall.sh'`).
  const extensions = SCRIPT_EXTENSIONS.map((extension) => extension.slice(1)).join('|')
  // (also a word of a command in a string: `exec("/bin/bash preinstall.sh")`)
  for (const match of text.matchAll(new RegExp(`['"\`][^'"\`\\n]{0,200}?(?<![\\w/.-])((?:\\.{1,2}/)?[\\w@.-][\\w@./-]{0,200}\\.(?:${extensions}))(?![\\w.])`, 'g'))) found.push({ spec: match[1], isModule: false })
  return found
}

/**
 * The package's files an install command runs: `node install.js`, `sh ./x.sh`,
 * `start /B node compile.js`, `./preinstall.sh`, the files `node -e` code
 * requires, and binding.gyp for node-gyp (its `<!(...)` expansions run commands).
 */
export function filesNamedByCommand(command: string, files: string[]): string[] {
  const present = new Set(files)
  const named = new Set<string>()
  const add = (candidate: string, withExtensions: boolean) => {
    const file = resolveIn(present, candidate, withExtensions)
    if (file) named.add(file)
  }
  if (/\bnode-gyp\b|\bprebuild-install\b[^&|;]*\|\|\s*node-gyp/.test(command) && present.has('binding.gyp')) named.add('binding.gyp')
  for (const segment of command.split(/&&|\|\||[;&|]/)) {
    const tokens = segment.trim().match(/"[^"]*"|'[^']*'|\S+/g) ?? []
    let afterInterpreter = false
    for (const raw of tokens) {
      const token = unquote(raw)
      const word = token.replace(/\.exe$/i, '').toLowerCase()
      if (INTERPRETERS.has(word) || /(^|\/)node$/.test(word)) {
        afterInterpreter = true
        continue
      }
      if (afterInterpreter && /^(?:-e|--eval|-p|--print)$/.test(token)) continue
      if (token.startsWith('-') || token.startsWith('/') && token.length <= 3) continue
      if (/[(){}]/.test(token)) {
        // inline code (`node -e "require('./postinstall')"`)
        for (const reference of referencesIn(token)) add(reference.spec, reference.isModule)
        continue
      }
      if (afterInterpreter) {
        add(token, true)
        afterInterpreter = false
      } else if (/^\.{1,2}\//.test(token) || /\.(?:sh|bat|cmd|js|cjs|mjs)$/i.test(token)) add(token, false)
    }
  }
  return [...named]
}

/** Files the given script file itself refers to, relative to it or to the package root. */
export function filesReferencedBy(file: ScriptFile, files: string[]): string[] {
  const present = new Set(files)
  const directory = file.path.includes('/') ? file.path.slice(0, file.path.lastIndexOf('/')) : ''
  const found = new Set<string>()
  for (const reference of referencesIn(file.text)) {
    const relative = resolveIn(present, directory ? `${directory}/${reference.spec}` : reference.spec, reference.isModule)
    const fromRoot = reference.isModule || reference.spec.startsWith('.') ? null : resolveIn(present, reference.spec, false)
    for (const candidate of [relative, fromRoot]) {
      // Code and shell files only: package.json and data are not scripts.
      if (candidate && candidate !== file.path && SCRIPT_EXTENSIONS.some((extension) => candidate.endsWith(extension))) found.add(candidate)
    }
  }
  return [...found]
}

// --- the shapes ----------------------------------------------------------

const REMOTE_URL = /\bhttps?:\/\/(?!(?:localhost|127\.0\.0\.1|\[::1\]|0\.0\.0\.0)[:/])[\w.-]+\.[a-z]{2,}[^\s'"`)]*|\bhttps?:\/\/\d{1,3}(?:\.\d{1,3}){3}(?<!127\.0\.0\.1)/i
const DOWNLOADER = /\b(?:curl|wget)\b[^\n|;&]{0,300}?(?:https?:\/\/|\$\{?\w+)|\bcertutil(?:\.exe)?\s+[^\n]{0,40}-urlcache|\b(?:Invoke-WebRequest|iwr|Start-BitsTransfer|bitsadmin)\b|\.Download(?:String|File)\s*\(/i
const DOWNLOAD_TO_FILE = /\b(?:curl|wget)\b[^\n|;&]{0,300}?\s(?:-o|-O|--output|--output-document)[\s=]|\bcertutil(?:\.exe)?\s+[^\n]{0,40}-urlcache|\.DownloadFile\s*\(/i
const PIPE_TO_INTERPRETER = /\b(?:curl|wget)\b[^\n|;]{0,300}?\|\s*(?:sudo\s+)?(?:ba|z|da|k)?sh\b|\b(?:curl|wget)\b[^\n|;]{0,300}?\|\s*(?:node|python3?|perl)\b|\b(?:iwr|Invoke-WebRequest|DownloadString)\b[^\n]{0,300}?\|\s*(?:iex|Invoke-Expression)\b|\b(?:iex|Invoke-Expression)\s*\(\s*(?:New-Object\s+Net\.WebClient|\(New-Object)/i
const RUNS_DOWNLOADED = /\bchmod\s+(?:[ugoa]*\+x|[0-7]{3,4})\b|\bregsvr32\b|\brundll32\b|\bStart-Process\b|\bstart\s+(?:\/B\s+)?\S+\.exe\b/i
const CHILD_PROCESS_CALL = /\b(?:exec|execSync|spawn|spawnSync|execFile|execFileSync|fork|execa|execaSync|execaCommand|\$)\s*\(/g
const EVAL_CALL = /\b(?:eval|Function|runInNewContext|runInThisContext|runInContext|compileFunction)\s*\(|\bnew\s+(?:vm\.)?Script\s*\(/g
const DECODE = /\batob\s*\(|\bBuffer\.from\s*\(|\bfromCharCode\s*\(|\bdecodeURIComponent\s*\(|\bunescape\s*\(|\.toString\(\s*['"](?:base64|hex)['"]|\b(?:inflate|gunzip|brotliDecompress)\w*\s*\(/
const NETWORK = /\bhttps?\d?\.(?:get|request)\s*\(|\bfetch\s*\(|\baxios\b|\bgot\s*\(|\bnew\s+WebSocket\s*\(|\.on\(\s*['"]data['"]/
const WRITE_CALL = /\b(?:writeFile|writeFileSync|appendFile|appendFileSync|createWriteStream|copyFile|copyFileSync|symlink|symlinkSync|rename|renameSync|cpSync|outputFile|outputFileSync)\s*\(/g
const OUTSIDE_TARGET = /\bhomedir\s*\(\)|\bprocess\.env\.(?:HOME|USERPROFILE|APPDATA)\b|['"`]~\/|['"`]\/(?:etc|usr|bin|sbin|Library)\/|\.(?:bashrc|zshrc|bash_profile|profile)\b|authorized_keys|LaunchAgents|\\\\Startup|\bcrontab\b|['"`](?:\.\.\/){2,}|['"`]\.\.['"`]\s*,\s*['"`]\.\.['"`]/
const TEMP_PATH = /\/tmp\/|\btmpdir\s*\(\)|%TEMP%|\$\{?TMPDIR\b|\bprocess\.env\.(?:TEMP|TMP|TMPDIR)\b/
const SHELL_WRITES_OUTSIDE = /(?:>>?|\btee\s+(?:-a\s+)?)\s*["']?(?:~|\$HOME|\$\{HOME\}|%USERPROFILE%)\/\.[\w.-]+|>>?\s*\/etc\/|\bcrontab\s+(?:-\s|\S+\.txt|-l\s*\|)|\bchmod\s+\+x\s+\/tmp\/|(?:^|[;&|]\s*)\/tmp\/[\w.-]+(?:\s|$)|\b(?:cp|mv|install)\s+[^\n;&|]{1,200}\s(?:\/usr\/(?:local\/)?bin|\/etc|~\/\.[\w-]+|\$HOME\/\.[\w-]+)/m
const STARTUP_FILE = /['"`/]\.(?:bashrc|zshrc|bash_profile|profile)['"`]|\.ssh\/authorized_keys/
const CREDENTIALS = /['"`/\\~]\.npmrc\b|_authToken\b|\bNPM_TOKEN\b|\bNODE_AUTH_TOKEN\b|\bnpm_config__auth|\bgh\s+auth\s+token\b|\.ssh[/\\]id_(?:rsa|ed25519|ecdsa)\b|\.aws[/\\]credentials\b/
const SECRET_SCANNER = /\btrufflehog\b|\bgitleaks\b/i
const EXFILTRATION = /\bwebhook\.site\b|\bpipedream\.net\b|\brequestbin\.|\binteract\.sh\b|\boast\.(?:fun|me|pro|live|site|online)\b|\bburpcollaborator\.net\b|\bcanarytokens\.com\b|discord(?:app)?\.com\/api\/webhooks|api\.telegram\.org\/bot|\.ngrok(?:-free)?\.(?:io|app)\b|pastebin\.com\/raw/i
const PUBLISH = /\bnpm\s+publish\b|\/-\/whoami\b/
const NODE_EVAL_ENCODED = /\bnode\s+(?:-e|--eval|-p|--print)\s+[^\n]{0,80}?(?:[A-Za-z0-9+/]{160,}={0,2}|(?:\\x[0-9a-fA-F]{2}){40,})/
const DECODED_LITERAL = /\b(?:Buffer\.from|atob)\s*\(\s*(['"`])([A-Za-z0-9+/=_-]{8,20000})\1\s*(?:,\s*['"](base64|hex|base64url)['"])?/g
const DECODED_IS_SUSPICIOUS = /https?:\/\/|\b(?:curl|wget|powershell|certutil)\b|\/bin\/(?:ba)?sh|cmd\.exe|\brequire\s*\(|\beval\s*\(|child_process|\.npmrc|_authToken|NPM_TOKEN/

/**
 * The text of a call's arguments from its opening parenthesis (at most `limit`
 * characters), strings, templates and nesting followed, comments left out
 * (installers explain themselves with URLs in comments).
 */
function callArguments(text: string, open: number, limit = 600): string {
  return callSpan(text, open, limit).text
}

function callSpan(text: string, open: number, limit = 600): { text: string; end: number } {
  const stack: string[] = []
  let quote: string | null = null
  let kept = ''
  const end = Math.min(text.length, open + limit)
  for (let index = open + 1; index < end; index++) {
    const char = text[index]
    if (quote) {
      kept += char
      if (char === '\\') kept += text[++index] ?? ''
      else if (char === quote) quote = null
      else if (quote === '`' && char === '$' && text[index + 1] === '{') {
        stack.push('${')
        quote = null
        kept += text[++index]
      }
      continue
    }
    if (char === '/' && text[index + 1] === '/') {
      const lineEnd = text.indexOf('\n', index)
      index = lineEnd === -1 ? end : lineEnd - 1
      continue
    }
    if (char === '/' && text[index + 1] === '*') {
      const commentEnd = text.indexOf('*/', index + 2)
      index = commentEnd === -1 ? end : commentEnd + 1
      continue
    }
    if (char === '"' || char === "'" || char === '`') quote = char
    else if (char === '(' || char === '[' || char === '{') stack.push(char)
    else if (char === ')' || char === ']' || char === '}') {
      if (stack.length === 0) return { text: kept, end: index }
      if (stack.pop() === '${') quote = '`'
    }
    kept += char
  }
  return { text: kept, end }
}

const isStringLiteral = (argument: string) => /^\s*(['"])(?:\\.|(?!\1).)*\1\s*$/s.test(argument)

class Hits {
  readonly shapes: ScriptShape[] = []
  readonly #seen = new Set<string>()
  constructor(readonly file: string, readonly text: string) {}

  add(shape: ScriptShapeId, index: number): void {
    const key = shape
    if (this.#seen.has(key)) return
    this.#seen.add(key)
    let line = 1
    for (let at = this.text.indexOf('\n'); at !== -1 && at < index; at = this.text.indexOf('\n', at + 1)) line++
    const lineStart = this.text.lastIndexOf('\n', index - 1) + 1
    const from = Math.max(lineStart, index - 30)
    const excerpt = this.text.slice(from, from + 100).split('\n')[0].replace(/\s+/g, ' ').trim()
    this.shapes.push({ shape, file: this.file, line, excerpt })
  }

  addFirst(shape: ScriptShapeId, pattern: RegExp): boolean {
    const match = pattern.exec(this.text)
    if (match) this.add(shape, match.index)
    return match !== null
  }
}

/** Decoded base64/hex literals that name a URL, a command, code or credentials (node-ipc hid its URL and paths this way). */
function findEncodedPayloads(hits: Hits): void {
  for (const match of hits.text.matchAll(DECODED_LITERAL)) {
    const [, , literal, encoding] = match
    const isHex = encoding === 'hex'
    if (isHex ? !/^[0-9a-fA-F]+$/.test(literal) : /^[0-9a-fA-F]+$/.test(literal) && literal.length < 16) continue
    let decoded: string
    try {
      decoded = Buffer.from(literal, isHex ? 'hex' : encoding === 'base64url' ? 'base64url' : 'base64').toString('utf8')
    } catch {
      continue
    }
    if (DECODED_IS_SUSPICIOUS.test(decoded)) return hits.add('encoded-payload', match.index)
  }
}

/**
 * Whether the text at `index` (a command in a string literal of JS code)
 * reaches a child_process call: it sits in the call's arguments, or the
 * variable it is assigned to is passed to one. An installer that only prints
 * `curl … | bash` as advice in an error message runs nothing.
 */
function reachesChildProcess(text: string, index: number): boolean {
  const calls = [...text.matchAll(CHILD_PROCESS_CALL)].map((match) => {
    const open = match.index + match[0].length - 1
    return { open, ...callSpan(text, open, 2000) }
  })
  if (calls.some((call) => call.open < index && index <= call.end)) return true
  const statementStart = Math.max(text.lastIndexOf(';', index), text.lastIndexOf('\n', index), index - 300)
  const assigned = /([\w$]+)\s*=(?!=)[^;]*$/.exec(text.slice(statementStart + 1, index))
  if (!assigned) return false
  const name = new RegExp(`(?:^|[^\\w$.])${assigned[1].replace(/\$/g, '\\$')}(?:[^\\w$]|$)`)
  return calls.some((call) => name.test(call.text))
}

const CODE_FILE = /\.(?:[cm]?js|ts)$/

function findDownloadAndRun(hits: Hits): void {
  // In JS a command string counts only where it is run; shell files and command lines run what they say.
  const isCode = CODE_FILE.test(hits.file)
  for (const match of hits.text.matchAll(new RegExp(PIPE_TO_INTERPRETER.source, 'gi'))) {
    if (!isCode || reachesChildProcess(hits.text, match.index)) return hits.add('download-and-run', match.index)
  }
  if (!RUNS_DOWNLOADED.test(hits.text)) return
  // The download that saves a file is the one that gets run; else the first.
  const download = DOWNLOAD_TO_FILE.exec(hits.text) ?? DOWNLOADER.exec(hits.text)
  if (download && (!isCode || reachesChildProcess(hits.text, download.index))) hits.add('download-and-run', download.index)
}

function findCalls(hits: Hits): void {
  const { text } = hits
  for (const match of text.matchAll(CHILD_PROCESS_CALL)) {
    const argument = callArguments(text, match.index + match[0].length - 1)
    if (/\b(?:curl|wget|certutil|bitsadmin|Invoke-WebRequest|iwr)\b/i.test(argument) || REMOTE_URL.test(argument)) hits.add('remote-command', match.index)
    if (TEMP_PATH.test(argument) && WRITE_CALL_ANY.test(text)) hits.add('writes-outside-package', match.index)
  }
  let decoded: Set<string> | null = null
  for (const match of text.matchAll(EVAL_CALL)) {
    // Function("return this") and eval("require") are bundler idioms, not payloads.
    if (match[0].startsWith('Function') && text[match.index - 1] === '.') continue
    const argument = callArguments(text, match.index + match[0].length - 1)
    if (argument.trim() === '' || isStringLiteral(argument)) continue
    if (DECODE.test(argument) || (decoded ??= decodedIdentifiers(text)).has(argument.trim())) hits.add('eval-decoded', match.index)
    else if (/^\s*[\w$.]+\s*$/.test(argument) && NETWORK.test(text.slice(Math.max(0, match.index - 1500), match.index))) hits.add('eval-remote', match.index)
  }
  for (const match of text.matchAll(WRITE_CALL)) {
    const argument = callArguments(text, match.index + match[0].length - 1, 300)
    if (OUTSIDE_TARGET.test(argument)) hits.add('writes-outside-package', match.index)
  }
  if (WRITE_CALL_ANY.test(text)) hits.addFirst('writes-outside-package', STARTUP_FILE)
}

const WRITE_CALL_ANY = /\b(?:writeFile|writeFileSync|appendFile|appendFileSync|createWriteStream|copyFile|copyFileSync|outputFile|outputFileSync)\s*\(/

/** Identifiers assigned from a decoding call (`const code = Buffer.from(x, 'base64').toString()`). */
function decodedIdentifiers(text: string): Set<string> {
  const names = new Set<string>()
  for (const match of text.matchAll(/\b(?:const|let|var)\s+([\w$]+)\s*=\s*([^;\n]{0,300})/g)) if (DECODE.test(match[2])) names.add(match[1])
  return names
}

function analyseText(file: string, text: string): ScriptShape[] {
  const hits = new Hits(file, text)
  findDownloadAndRun(hits)
  hits.addFirst('encoded-payload', NODE_EVAL_ENCODED)
  findEncodedPayloads(hits)
  findCalls(hits)
  hits.addFirst('writes-outside-package', SHELL_WRITES_OUTSIDE)
  hits.addFirst('reads-credentials', CREDENTIALS)
  hits.addFirst('secret-scanner', SECRET_SCANNER)
  hits.addFirst('exfiltration-endpoint', EXFILTRATION)
  hits.addFirst('publishes-packages', PUBLISH)
  return hits.shapes
}

/**
 * The dropper shapes in a package's install commands (`event → command`) and
 * the files they run (read by the caller from the tarball). Empty: nothing
 * that looks like a dropper. It says nothing about what the code does once required.
 */
export function analyseInstallScripts(commands: Record<string, string>, files: ScriptFile[]): ScriptShape[] {
  const shapes: ScriptShape[] = []
  for (const [event, command] of Object.entries(commands)) shapes.push(...analyseText(`package.json#scripts.${event}`, command))
  for (const file of files) shapes.push(...analyseText(file.path, file.text))
  return shapes
}

/** `downloads a program and runs it (preinstall.sh:9)`, for a finding. */
export function describeShapes(shapes: ScriptShape[], limit = 4): string {
  const parts = shapes.slice(0, limit).map((hit) => `${SCRIPT_SHAPE_DESCRIPTIONS[hit.shape]} (${hit.file}:${hit.line}: ${hit.excerpt})`)
  return shapes.length > limit ? `${parts.join('; ')}; and ${shapes.length - limit} more` : parts.join('; ')
}

/** At most this many files are read per package (the scripts' own files and what they refer to). */
export const MAX_SCRIPT_FILES = 24

/** What a reader says of one file: its text, or why it was not read. */
export type ScriptFileAnswer = { text: string } | { unread: string }

/**
 * The verdict on a package's install commands: the files the commands run
 * (depth 0) and the files those refer to (depth 1) are read through `readFiles`
 * (the tarball, never the disk of an installed package) and analysed.
 */
export async function judgeInstallScripts(
  commands: Record<string, string>,
  fileList: string[],
  readFiles: (paths: string[]) => Promise<Map<string, ScriptFileAnswer>>,
): Promise<ScriptContentVerdict> {
  const read: ScriptFile[] = []
  const unread: string[] = []
  const take = async (paths: string[]) => {
    if (paths.length === 0) return
    const answers = await readFiles(paths)
    for (const path of paths) {
      const answer = answers.get(path) ?? { unread: 'not in the tarball' }
      if ('text' in answer) read.push({ path, text: answer.text })
      else unread.push(`${path} (${answer.unread})`)
    }
  }
  const direct = [...new Set(Object.values(commands).flatMap((command) => filesNamedByCommand(command, fileList)))].slice(0, MAX_SCRIPT_FILES)
  await take(direct)
  const seen = new Set(direct)
  const referenced = [...new Set(read.flatMap((file) => filesReferencedBy(file, fileList)))].filter((path) => !seen.has(path))
  await take(referenced.slice(0, Math.max(0, MAX_SCRIPT_FILES - direct.length)))
  return {
    analysis: SCRIPT_CONTENT_ANALYSIS_VERSION,
    shapes: analyseInstallScripts(commands, read),
    unread,
    read: read.map((file) => file.path),
  }
}
