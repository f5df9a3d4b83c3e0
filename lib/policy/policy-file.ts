// Editing the project's policy file in place: `safe-npm approve` and
// `safe-npm policy import --write` change a few settings and leave everything
// else as the user wrote it. JSON keeps its key order, indentation and final
// newline; YAML is edited through the yaml library's Document, so comments,
// key order and quoting stay. Code configs (safe-npm.config.js) are never
// edited: safe-npm does not rewrite code.
import { readFile, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import { isMap, isScalar, isSeq, parse as parseYaml, parseDocument, visit, type Document, type Node } from 'yaml'
import { PolicyError } from './errors.js'
import { SEARCH_PLACES, POLICY_FIELD } from './load.js'
import { requireCommonJs } from '../model/commonjs.js'

const writeFileAtomic: typeof import('write-file-atomic') = requireCommonJs('write-file-atomic')

export type PolicyFormat = 'json' | 'yaml'

export interface PolicyFileTarget {
  /** Absolute path of the file to edit (or create). */
  file: string
  format: PolicyFormat
  /** package.json: the policy is this field of it; null for a policy file of its own. */
  field: string | null
  /** False: there is no policy file yet and this one will be created. */
  exists: boolean
}

/** The file a new project policy is created as when there is none: the first JSON place discovery looks at. */
export const NEW_POLICY_FILE = '.safe-npmrc.json'

const isYamlName = (file: string) => /\.ya?ml$/i.test(file)
const isJsonName = (file: string) => /\.json$/i.test(file)

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    (info) => info.isFile(),
    () => false,
  )
}

/** JSON or YAML: by the name, else (`.safe-npmrc`) by the content, as cosmiconfig reads it. */
function formatOf(file: string, text: string | null): PolicyFormat {
  if (isYamlName(file)) return 'yaml'
  if (isJsonName(file) || text === null) return 'json'
  try {
    JSON.parse(text)
    return 'json'
  } catch {
    return 'yaml'
  }
}

/**
 * The project policy file as the loader finds it: `--policy FILE`, else the
 * first discovery place that exists (package.json only with a "safe-npm"
 * field), else a new `.safe-npmrc.json`. Nothing is run or loaded here.
 */
export async function findProjectPolicyFile(cwd: string, policyFile?: string): Promise<PolicyFileTarget> {
  if (policyFile) {
    const file = path.resolve(cwd, policyFile)
    if (!isJsonName(file) && !isYamlName(file) && path.basename(file) !== '.safe-npmrc') refuseCode(file, cwd)
    const text = await readFile(file, 'utf8').catch(() => null)
    if (path.basename(file) === 'package.json') return { file, format: 'json', field: POLICY_FIELD, exists: true }
    return { file, format: formatOf(file, text), field: null, exists: text !== null }
  }
  for (const place of SEARCH_PLACES) {
    const file = path.join(cwd, place)
    if (!(await exists(file))) continue
    const text = await readFile(file, 'utf8')
    if (place === 'package.json') {
      let manifest: unknown
      try {
        manifest = JSON.parse(text)
      } catch {
        continue
      }
      if (manifest && typeof manifest === 'object' && Object.hasOwn(manifest, POLICY_FIELD)) return { file, format: 'json', field: POLICY_FIELD, exists: true }
      continue
    }
    if (!isJsonName(place) && !isYamlName(place) && place !== '.safe-npmrc') refuseCode(file, cwd)
    return { file, format: formatOf(file, text), field: null, exists: true }
  }
  return { file: path.join(cwd, NEW_POLICY_FILE), format: 'json', field: null, exists: false }
}

function refuseCode(file: string, cwd: string): never {
  throw new PolicyError(
    `${path.relative(cwd, file) || file}: a policy written as code cannot be edited by safe-npm; add the setting by hand, or move the policy to .safe-npmrc.json`,
    'EPOLICYEDIT',
  )
}

type Path = readonly string[]

/** One policy document open for editing; `text()` is the whole file as it will be written. */
export interface PolicyEditor {
  /** The value at a path of the policy, as plain data (undefined when absent). */
  get(at: Path): unknown
  /** Sets a value (objects and lists are created along the way). */
  set(at: Path, value: unknown, comment?: string): void
  /** Appends to a list, creating it. */
  append(at: Path, value: unknown): void
  /** The policy as plain data, for validation. */
  value(): Record<string, unknown>
  text(): string
}

function plainAt(root: unknown, at: Path): unknown {
  let node = root
  for (const key of at) {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined
    node = (node as Record<string, unknown>)[key]
  }
  return node
}

function notAnObject(label: string, at: Path): PolicyError {
  return new PolicyError(`${label}: ${at.join('.') || 'the policy'} is not an object, so it cannot be edited`, 'EPOLICYEDIT')
}

/** JSON: parsed, changed, written back with the file's own indentation (key order is insertion order). */
function jsonEditor(text: string | null, field: string | null, label: string): PolicyEditor {
  let root: Record<string, any>
  try {
    root = text === null ? {} : JSON.parse(text)
  } catch (error) {
    throw new PolicyError(`${label}: invalid JSON: ${(error as Error).message.split('\n')[0]}`, 'EPOLICYPARSE')
  }
  if (root === null || typeof root !== 'object' || Array.isArray(root)) throw notAnObject(label, [])
  const indent = text === null ? '  ' : (/^([ \t]+)\S/m.exec(text)?.[1] ?? '  ')
  const newline = text === null || text.endsWith('\n') ? '\n' : ''
  const base: string[] = field ? [field] : []
  const parentOf = (at: Path): Record<string, any> => {
    let node = root
    for (const key of [...base, ...at.slice(0, -1)]) {
      if (node[key] === undefined) node[key] = {}
      node = node[key]
      if (node === null || typeof node !== 'object') throw notAnObject(label, at)
    }
    return node
  }
  return {
    get: (at) => plainAt(root, [...base, ...at]),
    set(at, value) {
      parentOf(at)[at[at.length - 1]] = value
    },
    append(at, value) {
      const parent = parentOf(at)
      const key = at[at.length - 1]
      if (parent[key] === undefined) parent[key] = []
      if (!Array.isArray(parent[key])) throw new PolicyError(`${label}: ${at.join('.')} is not a list, so it cannot be added to`, 'EPOLICYEDIT')
      parent[key].push(value)
    },
    value: () => (plainAt(root, base) ?? {}) as Record<string, unknown>,
    text: () => `${JSON.stringify(root, null, indent)}${newline}`,
  }
}

function readsBackAsItself(text: string): boolean {
  try {
    return parseYaml(text, { version: '1.1' }) === text
  } catch {
    return false
  }
}

/**
 * A new YAML node whose strings read back as strings by every YAML reader:
 * cosmiconfig reads policies with js-yaml (YAML 1.1 types), where an unquoted
 * 2026-12-31 is a date and `yes` a boolean, so such strings are quoted.
 */
function dataNode(document: Document, value: unknown): Node {
  const node = document.createNode(value) as Node
  visit(node, {
    Scalar(_key, scalar) {
      if (typeof scalar.value === 'string' && !readsBackAsItself(scalar.value)) scalar.type = 'QUOTE_DOUBLE'
    },
  })
  return node
}

/** YAML: the yaml library's Document keeps comments, order and styles of everything not changed. */
function yamlEditor(text: string | null, label: string): PolicyEditor {
  const document: Document = parseDocument(text ?? '{}\n')
  if (document.errors.length > 0) throw new PolicyError(`${label}: invalid YAML: ${document.errors[0].message.split('\n')[0]}`, 'EPOLICYPARSE')
  if (document.contents !== null && !isMap(document.contents)) throw notAnObject(label, [])
  // An empty map written as `{}` would stay a flow map: blocks read better for what is added.
  if (isMap(document.contents) && document.contents.items.length === 0) document.contents.flow = false
  const checkParents = (at: Path) => {
    for (let depth = 1; depth < at.length; depth++) {
      const node = document.getIn(at.slice(0, depth), true)
      if (node !== undefined && !isMap(node) && !isSeq(node)) throw notAnObject(label, at.slice(0, depth))
    }
  }
  return {
    get: (at) => plainAt(document.toJS(), at),
    set(at, value, comment) {
      checkParents(at)
      document.setIn(at, dataNode(document, value))
      if (comment) {
        const parent = at.length > 1 ? document.getIn(at.slice(0, -1), true) : document.contents
        const key = at[at.length - 1]
        const pair = isMap(parent) ? parent.items.find((item) => (isScalar(item.key) ? item.key.value : item.key) === key) : undefined
        if (pair) {
          const node = isScalar(pair.key) ? pair.key : document.createNode(key)
          node.commentBefore = ` ${comment}`
          pair.key = node
        }
      }
    },
    append(at, value) {
      checkParents(at)
      const list = document.getIn(at, true)
      if (list === undefined) document.setIn(at, dataNode(document, [value]))
      else if (isSeq(list)) list.add(dataNode(document, value))
      else throw new PolicyError(`${label}: ${at.join('.')} is not a list, so it cannot be added to`, 'EPOLICYEDIT')
    },
    value: () => (document.toJS() ?? {}) as Record<string, unknown>,
    text: () => document.toString(),
  }
}

export interface OpenPolicy {
  target: PolicyFileTarget
  editor: PolicyEditor
  /** The file's bytes before the edit (null: it did not exist). */
  original: string | null
}

export async function openPolicyFile(target: PolicyFileTarget, label: string): Promise<OpenPolicy> {
  const original = target.exists ? await readFile(target.file, 'utf8') : null
  const editor = target.format === 'yaml' ? yamlEditor(original, label) : jsonEditor(original, target.field, label)
  return { target, editor, original }
}

/** Writes the edited file atomically; `restore` puts the original bytes back (or removes a file that was created). */
export async function writePolicyFile(open: OpenPolicy): Promise<{ restore(): Promise<void> }> {
  await writeFileAtomic(open.target.file, open.editor.text())
  return {
    async restore() {
      if (open.original === null) await rm(open.target.file, { force: true })
      else await writeFileAtomic(open.target.file, open.original)
    },
  }
}
