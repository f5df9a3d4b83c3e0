// A CycloneDX 1.5 SBOM of the judged tree: one component per package, with its
// purl, integrity hash and where it came from, and safe-npm's verdict on it as
// properties, so a security team can keep what was installed and why.
import type { Judgement } from '../engine/judge.js'
import type { PackageView } from '../model/rule.js'

function purl(pkg: PackageView): string {
  const [scope, name] = pkg.name.startsWith('@') ? pkg.name.split('/') : [null, pkg.name]
  return `pkg:npm/${scope ? `${encodeURIComponent(scope)}/` : ''}${encodeURIComponent(name)}@${encodeURIComponent(pkg.version)}`
}

/** `sha512-<base64>` → CycloneDX's hex hash. */
function hashes(integrity: string | null): Array<{ alg: string; content: string }> {
  const algorithms: Record<string, string> = { sha512: 'SHA-512', sha384: 'SHA-384', sha256: 'SHA-256', sha1: 'SHA-1' }
  return (integrity ?? '')
    .split(/\s+/)
    .map((entry) => /^(sha\d+)-(.+)$/.exec(entry))
    .filter((match): match is RegExpExecArray => match !== null && match[1] in algorithms)
    .map((match) => ({ alg: algorithms[match[1]], content: Buffer.from(match[2], 'base64').toString('hex') }))
}

export function toCycloneDxReport(
  judgement: Judgement,
  packages: PackageView[],
  project: { name: string; version: string },
  toolVersion: string,
  now: Date,
): Record<string, unknown> {
  const codesByLocation = new Map<string, string[]>()
  for (const finding of judgement.findings) {
    codesByLocation.set(finding.package.location, [...(codesByLocation.get(finding.package.location) ?? []), `${finding.severity}:${finding.code}`])
  }
  return {
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    version: 1,
    metadata: {
      timestamp: now.toISOString(),
      tools: { components: [{ type: 'application', name: 'safe-npm', version: toolVersion }] },
      component: { type: 'application', 'bom-ref': 'root', name: project.name, version: project.version },
      properties: [{ name: 'safe-npm:result', value: judgement.result }],
    },
    components: packages.map((pkg) => ({
      type: 'library',
      'bom-ref': pkg.location,
      name: pkg.name,
      version: pkg.version,
      ...(pkg.source === 'registry' ? { purl: purl(pkg) } : {}),
      ...(hashes(pkg.integrity).length > 0 ? { hashes: hashes(pkg.integrity) } : {}),
      ...(pkg.resolved ? { externalReferences: [{ type: 'distribution', url: pkg.resolved }] } : {}),
      scope: pkg.isOptional ? 'optional' : 'required',
      properties: [
        { name: 'safe-npm:source', value: pkg.source },
        { name: 'safe-npm:path', value: pkg.path.join(' > ') },
        ...(pkg.isDev ? [{ name: 'safe-npm:dev', value: 'true' }] : []),
        ...(codesByLocation.get(pkg.location) ?? []).map((code) => ({ name: 'safe-npm:finding', value: code })),
      ],
    })),
  }
}
