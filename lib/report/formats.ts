// The --format values, kept apart from the reporters so argument parsing can
// check them without loading any reporter.
export const OUTPUT_FORMATS = ['text', 'json', 'sarif', 'cyclonedx'] as const

export type OutputFormat = (typeof OUTPUT_FORMATS)[number]

/** The CycloneDX versions `--spec-version` takes (sbom, --format cyclonedx); the default first. */
export const CYCLONEDX_SPEC_VERSIONS = ['1.6', '1.5'] as const

export type CycloneDxSpecVersion = (typeof CYCLONEDX_SPEC_VERSIONS)[number]
