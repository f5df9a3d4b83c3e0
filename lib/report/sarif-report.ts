// SARIF 2.1.0 for code-scanning dashboards. The rule id of each result is the
// finding's stable code (`rule-id/message-id`); the location is the manifest
// that brought the package in, with the dependency path as a logical location.
import type { Judgement } from '../engine/judge.js'
import type { Rule } from '../model/rule.js'

export function toSarifReport(judgement: Judgement, rules: Rule[], toolVersion: string, manifest: string): Record<string, unknown> {
  const codes = [...new Set(judgement.findings.map((finding) => finding.code))].sort()
  const ruleOf = new Map(rules.map((rule) => [rule.meta.id, rule]))
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
        results: judgement.findings.map((finding) => ({
          ruleId: finding.code,
          ruleIndex: codes.indexOf(finding.code),
          level: finding.severity === 'block' ? 'error' : 'warning',
          message: { text: finding.hint ? `${finding.message}. ${finding.hint}` : finding.message },
          locations: [
            {
              physicalLocation: { artifactLocation: { uri: manifest } },
              logicalLocations: [{ fullyQualifiedName: finding.path.join(' > '), kind: 'package' }],
            },
          ],
          partialFingerprints: { 'safe-npm/package': `${finding.package.name}@${finding.package.version}:${finding.code}` },
        })),
      },
    ],
  }
}
