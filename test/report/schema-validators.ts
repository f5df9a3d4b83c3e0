// Validators compiled from the official schemas in test/fixtures/schemas
// (see the README there for where each file comes from).
import { readFileSync } from 'node:fs'
import Ajv07, { type ErrorObject, type ValidateFunction } from 'ajv'
import AjvDraft04 from 'ajv-draft-04'
import addFormats from 'ajv-formats'

function schema(file: string): any {
  return JSON.parse(readFileSync(new URL(`../fixtures/schemas/${file}`, import.meta.url), 'utf8'))
}

/** Errors as `path: message` lines, for assertion messages. */
export function describeErrors(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? []).map((error) => `${error.instancePath || '/'}: ${error.message} ${JSON.stringify(error.params)}`).join('\n')
}

let sarif: ValidateFunction | undefined
const cycloneDx = new Map<string, ValidateFunction>()

/** SARIF 2.1.0 (a draft-04 schema). */
export function sarifValidator(): ValidateFunction {
  if (!sarif) {
    // unicodeRegExp off: rtm.5's `language` pattern has a stray `]` that only
    // non-unicode regular expressions accept (errata01 corrected the pattern).
    const ajv = new AjvDraft04({ allErrors: true, strict: false, unicodeRegExp: false })
    addFormats(ajv)
    sarif = ajv.compile(schema('sarif-2.1.0-rtm.5.json'))
  }
  return sarif
}

/** CycloneDX 1.5 or 1.6 (draft-07), with the SPDX licence ids and JSF signature schemas they reference. */
export function cycloneDxValidator(specVersion: '1.5' | '1.6' = '1.6'): ValidateFunction {
  let validate = cycloneDx.get(specVersion)
  if (!validate) {
    const ajv = new Ajv07({ allErrors: true, strict: false })
    addFormats(ajv)
    // Formats ajv-formats lacks: IRIs are URIs that may hold non-ASCII characters.
    ajv.addFormat('iri-reference', (value: string) => !/[\s<>"{}|\\^`]/u.test(value) && canParseAsReference(value))
    ajv.addFormat('idn-email', /^[^\s@]+@[^\s@]+$/u)
    // The bom schema refers to these by their SNAPSHOT file names, relative to its own $id.
    ajv.addSchema(schema('spdx.SNAPSHOT.schema.json'), 'http://cyclonedx.org/schema/spdx.SNAPSHOT.schema.json')
    ajv.addSchema(schema('jsf-0.82.SNAPSHOT.schema.json'), 'http://cyclonedx.org/schema/jsf-0.82.SNAPSHOT.schema.json')
    validate = ajv.compile(schema(`bom-${specVersion}.SNAPSHOT.schema.json`))
    cycloneDx.set(specVersion, validate)
  }
  return validate
}

function canParseAsReference(value: string): boolean {
  try {
    new URL(value, 'http://base.invalid/')
    return true
  } catch {
    return false
  }
}
