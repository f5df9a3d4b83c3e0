// The --format values, kept apart from the reporters so argument parsing can
// check them without loading any reporter.
export const OUTPUT_FORMATS = ['text', 'json', 'sarif', 'cyclonedx'] as const

export type OutputFormat = (typeof OUTPUT_FORMATS)[number]
