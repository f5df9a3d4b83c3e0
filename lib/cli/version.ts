import { createRequire } from 'node:module'

export function safeNpmVersion(): string {
  // dist/lib/cli/version.js → the package root
  return createRequire(import.meta.url)('../../../package.json').version
}
