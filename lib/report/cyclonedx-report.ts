// A CycloneDX SBOM (1.6 by default, or 1.5) of the judged tree, built with the
// CycloneDX library: one component per package (scoped names split into group
// and name, purl, the integrity as hex hashes, where it came from), the
// dependency graph from the tree's own edges, and safe-npm's findings both as
// `vulnerabilities` entries (what SBOM tools import) and as component
// properties (a quick look). Scopes: a package only development needs is
// `excluded` (CycloneDX: "not part of the runtime", which is what a dev
// dependency is), one only optional dependencies need is `optional`, the rest
// `required`.
import { createRequire } from 'node:module'
import type * as Cdx from '@cyclonedx/cyclonedx-library'
import type * as Purl from 'packageurl-js'
import type { Judgement } from '../engine/judge.js'
import type { Finding, PackageView } from '../model/rule.js'
import { CYCLONEDX_SPEC_VERSIONS, type CycloneDxSpecVersion } from './formats.js'


/** The bom-ref of the project itself (a package's bom-ref is its location, never empty). */
const ROOT_REF = 'root'

// Loaded on first use: the library takes about 200 ms to load, which no other command should pay.
const require = createRequire(import.meta.url)
let libraries: { cdx: typeof Cdx; PackageURL: typeof Purl.PackageURL } | null = null
function load(): NonNullable<typeof libraries> {
  libraries ??= { cdx: require('@cyclonedx/cyclonedx-library'), PackageURL: (require('packageurl-js') as typeof Purl).PackageURL }
  return libraries
}

function splitName(name: string): { group?: string; name: string } {
  const slash = name.indexOf('/')
  return name.startsWith('@') && slash > 0 ? { group: name.slice(0, slash), name: name.slice(slash + 1) } : { name }
}

function scopeOf(pkg: PackageView, cdx: typeof Cdx): Cdx.Enums.ComponentScope {
  if (pkg.isDev) return cdx.Enums.ComponentScope.Excluded
  return pkg.isOptional ? cdx.Enums.ComponentScope.Optional : cdx.Enums.ComponentScope.Required
}

const ADVISORY_SEVERITY: Record<string, string> = { low: 'low', moderate: 'medium', medium: 'medium', high: 'high', critical: 'critical' }

/** How bad a finding is, in CycloneDX's words: an advisory's own severity; malware is critical; else by the policy's verdict. */
function ratingOf(finding: Finding, cdx: typeof Cdx): Cdx.Models.Vulnerability.Rating {
  const severity = finding.code === 'known-malware/reported'
    ? 'critical'
    : ADVISORY_SEVERITY[String(finding.args.severity ?? '')] ?? (finding.severity === 'block' ? 'high' : 'low')
  return new cdx.Models.Vulnerability.Rating({
    severity: severity as Cdx.Enums.Vulnerability.Severity,
    method: cdx.Enums.Vulnerability.RatingMethod.Other,
    justification: `safe-npm policy: ${finding.severity}`,
  })
}

function vulnerabilityOf(finding: Finding, index: number, ref: Cdx.Models.BomRef, cdx: typeof Cdx): Cdx.Models.Vulnerability.Vulnerability {
  const V = cdx.Models.Vulnerability
  // A feed's advisory keeps its own id (MAL-…, GHSA-…); every other finding is named by its code.
  const advisoryId = typeof finding.args.id === 'string' && finding.args.id ? finding.args.id : null
  const vulnerability = new V.Vulnerability({
    bomRef: `safe-npm:finding:${index + 1}`,
    id: advisoryId ?? finding.code,
    source: new V.Source({ name: advisoryId && typeof finding.args.source === 'string' ? finding.args.source : 'safe-npm' }),
    description: finding.message,
    ...(finding.hint ? { recommendation: finding.hint } : {}),
  })
  vulnerability.ratings.add(ratingOf(finding, cdx))
  vulnerability.affects.add(new V.Affect(ref, { versions: new V.AffectedVersionRepository([new V.AffectedSingleVersion(finding.package.version || '0.0.0', { status: cdx.Enums.Vulnerability.AffectStatus.Affected })]) }))
  for (const [name, value] of [['safe-npm:code', finding.code], ['safe-npm:severity', finding.severity], ['safe-npm:path', finding.path.join(' > ')]]) {
    vulnerability.properties.add(new cdx.Models.Property(name, value))
  }
  return vulnerability
}

let licenses: Cdx.Contrib.License.Factories.LicenseFactory | undefined

/**
 * No SPDX expression parser is bundled, so an expression is never claimed to be
 * a valid one: the factory keeps it as a named license instead (still a valid BOM).
 */
function licenseFactory(cdx: typeof Cdx): Cdx.Contrib.License.Factories.LicenseFactory {
  licenses ??= new cdx.Contrib.License.Factories.LicenseFactory(() => {
    throw new RangeError('SPDX expressions are not validated here')
  })
  return licenses
}

function componentOf(pkg: PackageView, findings: Finding[], cdx: typeof Cdx, PackageURL: typeof Purl.PackageURL): Cdx.Models.Component {
  const { group, name } = splitName(pkg.name)
  const component = new cdx.Models.Component(cdx.Enums.ComponentType.Library, name, {
    bomRef: pkg.location,
    ...(group ? { group } : {}),
    version: pkg.version,
    scope: scopeOf(pkg, cdx),
    // Only a registry package is the npm package its name says; a git or file source is not on the registry.
    ...(pkg.source === 'registry' || pkg.source === 'bundled' ? { purl: new PackageURL('npm', group, name, pkg.version, undefined, undefined).toString() } : {}),
  })
  for (const entry of (pkg.integrity ?? '').split(/\s+/).filter(Boolean)) {
    try {
      component.hashes.set(...cdx.Contrib.FromNodePackageJson.Utils.parsePackageIntegrity(entry))
    } catch {
      // an algorithm CycloneDX has no name for (or not base64): no hash rather than a wrong one
    }
  }
  if (pkg.resolved) {
    component.externalReferences.add(new cdx.Models.ExternalReference(pkg.resolved, cdx.Enums.ExternalReferenceType.Distribution))
  }
  // As the manifest declares it: an SPDX id as such, anything else by its name ("MIT OR Apache-2.0", "SEE LICENSE IN …").
  if (pkg.license) component.licenses.add(licenseFactory(cdx).makeFromString(pkg.license))
  const properties: Array<[string, string]> = [
    // The CycloneDX npm property taxonomy (cyclonedx-property-taxonomy: cdx:npm:package:*).
    ['cdx:npm:package:path', pkg.location],
    ...(pkg.isDev ? ([['cdx:npm:package:development', 'true']] as Array<[string, string]>) : []),
    ...(pkg.source === 'bundled' ? ([['cdx:npm:package:bundled', 'true']] as Array<[string, string]>) : []),
    ['safe-npm:source', pkg.source],
    ['safe-npm:path', pkg.path.join(' > ')],
    ...findings.map((finding): [string, string] => ['safe-npm:finding', `${finding.severity}:${finding.code}`]),
  ]
  for (const [key, value] of properties) component.properties.add(new cdx.Models.Property(key, value))
  return component
}

export interface CycloneDxOptions {
  specVersion?: CycloneDxSpecVersion
  /**
   * The BOM's serial number (`urn:uuid:…`). None by default: the output
   * redactor masks every UUID (the shape of a legacy npm token), so a random
   * one would print as `urn:uuid:***`, which no schema accepts.
   */
  serialNumber?: string
}

export function toCycloneDxReport(
  judgement: Judgement,
  packages: PackageView[],
  project: { name: string; version: string },
  toolVersion: string,
  now: Date,
  options: CycloneDxOptions = {},
): Record<string, unknown> {
  const { cdx, PackageURL } = load()
  const bom = new cdx.Models.Bom()
  if (options.serialNumber) bom.serialNumber = options.serialNumber
  bom.metadata.timestamp = now
  bom.metadata.tools.components.add(new cdx.Models.Component(cdx.Enums.ComponentType.Application, 'safe-npm', { version: toolVersion }))
  const { group, name } = splitName(project.name)
  const root = new cdx.Models.Component(cdx.Enums.ComponentType.Application, name, { bomRef: ROOT_REF, ...(group ? { group } : {}), ...(project.version ? { version: project.version } : {}) })
  bom.metadata.component = root
  bom.metadata.properties.add(new cdx.Models.Property('safe-npm:result', judgement.result))

  const findingsAt = new Map<string, Finding[]>()
  for (const finding of judgement.findings) findingsAt.set(finding.package.location, [...(findingsAt.get(finding.package.location) ?? []), finding])
  const components = new Map<string, Cdx.Models.Component>()
  for (const pkg of packages) {
    const component = componentOf(pkg, findingsAt.get(pkg.location) ?? [], cdx, PackageURL)
    components.set(pkg.location, component)
    bom.components.add(component)
  }
  // The graph: the project depends on what it (or a workspace) declares; each package on where its edges resolve.
  for (const pkg of packages) {
    if (pkg.isDirect) root.dependencies.add(components.get(pkg.location)!.bomRef)
    for (const target of pkg.dependsOn ?? []) {
      const dependency = components.get(target)
      if (dependency) components.get(pkg.location)!.dependencies.add(dependency.bomRef)
    }
  }
  judgement.findings.forEach((finding, index) => {
    bom.vulnerabilities.add(vulnerabilityOf(finding, index, components.get(finding.package.location)?.bomRef ?? root.bomRef, cdx))
  })
  const spec = (options.specVersion ?? CYCLONEDX_SPEC_VERSIONS[0]) === '1.5' ? cdx.Spec.Spec1dot5 : cdx.Spec.Spec1dot6
  const serializer = new cdx.Serialize.JsonSerializer(new cdx.Serialize.JSON.Normalize.Factory(spec))
  return JSON.parse(serializer.serialize(bom, { sortLists: false }))
}
