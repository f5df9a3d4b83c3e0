// SARIF 2.1.0 for code-scanning dashboards. The rule id of each result is the
// finding's stable code (`rule-id/message-id`). Its location is a line of the
// project's files, where one can be found: a direct dependency's key in
// package.json, else the package's `"node_modules/<path>"` entry in the
// lockfile, else the key of the direct dependency that brings it in; the
// dependency path is a logical location. URIs are relative to the project
// root (uriBaseId PROJECTROOT).
import { pathToFileURL } from 'node:url'
import type { Judgement } from '../engine/judge.js'
import type { Finding, Rule } from '../model/rule.js'
import { jsonKeyPositions, keyPath, type KeyPosition, type KeyPositions } from './json-key-lines.js'

/** The project's package.json and lockfile as they are on disk, read by the CLI (reporters read no files). */
export interface ProjectFileTexts {
  /** The project folder, absolute: what PROJECTROOT stands for. */
  root?: string
  manifest: string | null
  lockfile: { name: 'package-lock.json' | 'npm-shrinkwrap.json'; text: string } | null
}

const BASE = 'PROJECTROOT'
const DEPENDENCY_KEYS = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies']

interface Place {
  uri: string
  position?: KeyPosition
}

function locator(files: ProjectFileTexts | undefined, fallback: string): (finding: Finding) => Place {
  const manifestKeys: KeyPositions = files?.manifest ? jsonKeyPositions(files.manifest) : new Map()
  const lockKeys: KeyPositions = files?.lockfile ? jsonKeyPositions(files.lockfile.text) : new Map()
  const lockName = files?.lockfile?.name ?? 'package-lock.json'
  const inManifest = (name: string | undefined): Place | null => {
    for (const section of DEPENDENCY_KEYS) {
      const position = name ? manifestKeys.get(keyPath(section, name)) : undefined
      if (position) return { uri: 'package.json', position }
    }
    return null
  }
  return (finding) => {
    const { location, name } = finding.package
    // The project itself (run-level findings): its package.json.
    if (location === '') return { uri: 'package.json' }
    const lockEntry = lockKeys.get(keyPath('packages', location))
    // A direct dependency's key in package.json is its folder name (an alias, for `npm:` specs).
    const isDirect = finding.path.length === 2
    const folder = location.startsWith('node_modules/') && !location.slice('node_modules/'.length).includes('/node_modules/') ? location.slice('node_modules/'.length) : name
    return (
      (isDirect ? inManifest(folder) ?? inManifest(name) : null) ??
      (lockEntry ? { uri: lockName, position: lockEntry } : null) ??
      inManifest(finding.path[1]) ?? { uri: fallback }
    )
  }
}

function physicalLocation(place: Place): Record<string, unknown> {
  return {
    artifactLocation: { uri: place.uri, uriBaseId: BASE },
    ...(place.position ? { region: { startLine: place.position.line, startColumn: place.position.column } } : {}),
  }
}

export function toSarifReport(
  judgement: Judgement,
  rules: Rule[],
  toolVersion: string,
  manifest: string,
  files?: ProjectFileTexts,
): Record<string, unknown> {
  const codes = [...new Set(judgement.findings.map((finding) => finding.code))].sort()
  const ruleOf = new Map(rules.map((rule) => [rule.meta.id, rule]))
  const placeOf = locator(files, manifest)
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'safe-npm',
            version: toolVersion,
            rules: codes.map((code) => {
              const rule = ruleOf.get(code.split('/')[0])
              // Message templates carry placeholders; results carry the filled text and the fix.
              return { id: code, name: code, shortDescription: { text: rule?.meta.description ?? code } }
            }),
          },
        },
        ...(files?.root ? { originalUriBaseIds: { [BASE]: { uri: directoryUri(files.root) } } } : {}),
        results: judgement.findings.map((finding) => ({
          ruleId: finding.code,
          ruleIndex: codes.indexOf(finding.code),
          level: finding.severity === 'block' ? 'error' : 'warning',
          message: { text: finding.hint ? `${finding.message}. ${finding.hint}` : finding.message },
          locations: [
            {
              physicalLocation: physicalLocation(placeOf(finding)),
              logicalLocations: [{ fullyQualifiedName: finding.path.join(' > '), kind: 'package' }],
            },
          ],
          partialFingerprints: { 'safe-npm/package': `${finding.package.name}@${finding.package.version}:${finding.code}` },
        })),
      },
    ],
  }
}

/** `file:///work/app/`: an absolute folder as the URI SARIF resolves relative ones against (it must end in a slash). */
function directoryUri(folder: string): string {
  const href = pathToFileURL(folder).href
  return href.endsWith('/') ? href : `${href}/`
}
