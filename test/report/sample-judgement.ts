// A small hand-built judgement for the report tests: two blocks, a warning,
// a run-level warning on the project root, a waived finding, an expired and
// an unused exception, over a tree of registry, git, dev and optional packages.
import { createHash } from 'node:crypto'
import type { Judgement } from '../../lib/engine/judge.ts'
import type { PolicyException } from '../../lib/model/policy.ts'
import type { Finding, PackageView } from '../../lib/model/rule.ts'

export const PROJECT = { name: 'my-app', version: '1.2.3' }
export const NOW = new Date('2026-11-27T12:00:00.000Z')
export const TOOL_VERSION = '0.1.0'
export const POLICY_FILES = ['/work/app/.safe-npmrc.json', '/etc/safe-npm/org.json']

export function sha512(text: string): string {
  return `sha512-${createHash('sha512').update(text).digest('base64')}`
}

function view(name: string, version: string, overrides: Partial<PackageView> = {}): PackageView {
  const base = name.split('/').pop()
  return {
    name,
    version,
    location: `node_modules/${name}`,
    resolved: `https://registry.npmjs.org/${name}/-/${base}-${version}.tgz`,
    integrity: sha512(`${name}@${version}`),
    source: 'registry',
    isDirect: true,
    path: [PROJECT.name, name],
    spec: `^${version}`,
    isFromLockfile: false,
    isDev: false,
    isOptional: false,
    scripts: {},
    hasInstallScript: false,
    hasBindingGyp: false,
    requestedRanges: [],
    projectRange: `^${version}`,
    deprecated: null,
    ...overrides,
  }
}

export const PACKAGES: PackageView[] = [
  view('evil-pkg', '1.0.0', { license: 'MIT' }),
  view('@acme/tool', '2.0.0-beta.1', { license: 'MIT OR Apache-2.0', scripts: { postinstall: 'node build.js' }, hasInstallScript: true, dependsOn: ['node_modules/@acme/tool/node_modules/old-lib', 'node_modules/evil-pkg'] }),
  view('old-lib', '0.9.0', { location: 'node_modules/@acme/tool/node_modules/old-lib', path: [PROJECT.name, '@acme/tool', 'old-lib'], isDirect: false, isDev: true, deprecated: 'use new-lib' }),
  view('fresh-pkg', '3.1.0', { isOptional: true }),
  view('from-git', '1.0.0', { resolved: 'git+ssh://git@github.com/acme/from-git.git#0123456789abcdef0123456789abcdef01234567', integrity: null, source: 'git', spec: 'github:acme/from-git' }),
]

function finding(pkg: PackageView | typeof ROOT, ruleId: string, messageId: string, severity: 'block' | 'warn', message: string, hint: string | null, args: Record<string, string | number>): Finding {
  return {
    code: `${ruleId}/${messageId}`,
    ruleId,
    messageId,
    severity,
    package: { name: pkg.name, version: pkg.version, location: pkg.location },
    path: pkg.path,
    message,
    hint,
    args,
  }
}

const ROOT = { name: PROJECT.name, version: PROJECT.version, location: '', path: [PROJECT.name] }
const [evil, tool, oldLib, fresh] = PACKAGES

export const FINDINGS: Finding[] = [
  finding(evil, 'packages', 'denied', 'block', 'evil-pkg@1.0.0 is on the deny list (evil-pkg)', 'Remove the dependency, or pick a version outside the denied range.', { name: 'evil-pkg', version: '1.0.0', pattern: 'evil-pkg' }),
  finding(tool, 'install-scripts', 'unreviewed', 'block', '@acme/tool@2.0.0-beta.1 has an install script that is not on the allowlist, so it is not run: postinstall', 'Review the script, then allow it in scripts.allow.', { name: '@acme/tool', version: '2.0.0-beta.1', scripts: 'postinstall' }),
  finding(oldLib, 'deprecated', 'deprecated', 'warn', 'old-lib@0.9.0 is deprecated: use new-lib', null, { name: 'old-lib', version: '0.9.0', reason: 'use new-lib' }),
  finding(ROOT, 'dependency-confusion', 'probe-failed', 'warn', 'the public registry could not be asked about @acme: ETIMEDOUT', null, { name: '@acme', reason: 'ETIMEDOUT' }),
]

export const WAIVER: PolicyException = { package: 'fresh-pkg', rule: 'minimum-release-age', reason: 'hotfix reviewed by security', expires: '2026-12-31', source: '/work/app/.safe-npmrc.json' }
export const EXPIRED: PolicyException = { package: 'left-pad@1', rule: 'packages', reason: 'was needed for the migration', expires: '2026-01-31', source: '/etc/safe-npm/org.json' }
export const UNUSED: PolicyException = { package: '@acme/*', rule: 'install-scripts', reason: 'our own build scripts', source: '/work/app/.safe-npmrc.json' }

export const JUDGEMENT: Judgement = {
  findings: FINDINGS,
  waived: [
    {
      exception: WAIVER,
      finding: finding(fresh, 'minimum-release-age', 'too-young', 'block', 'fresh-pkg@3.1.0 was published 2026-11-26 (1 day ago), younger than the minimum release age of 3d', 'fresh-pkg@3.0.2 is old enough', { name: 'fresh-pkg', version: '3.1.0' }),
    },
  ],
  expiredExceptions: [EXPIRED],
  unusedExceptions: [UNUSED],
  isBlocked: true,
  result: 'blocked',
  packageCount: PACKAGES.length,
}

export const WARNINGS_ONLY: Judgement = {
  findings: FINDINGS.filter((item) => item.severity === 'warn'),
  waived: [],
  expiredExceptions: [],
  unusedExceptions: [],
  isBlocked: false,
  result: 'warnings',
  packageCount: PACKAGES.length,
}

export const CLEAN: Judgement = { findings: [], waived: [], expiredExceptions: [], unusedExceptions: [], isBlocked: false, result: 'clean', packageCount: 0 }
