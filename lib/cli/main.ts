// Entry point: picks the command; everything it does not guard goes to npm.
import { parseArgs } from './args.js'
import { safeNpmVersion } from './version.js'
import type { GuardMode } from './guarded-command.js'
import { processIo, type Io } from './io.js'
import { passToNpm } from './passthrough.js'
import { renderError } from './render-error.js'
import { UsageError } from '../errors.js'

const GUARDED: Record<string, GuardMode> = {
  install: 'install',
  i: 'install',
  in: 'install',
  ins: 'install',
  inst: 'install',
  insta: 'install',
  instal: 'install',
  isnt: 'install',
  isnta: 'install',
  isntal: 'install',
  isntall: 'install',
  add: 'install',
  ci: 'ci',
  'clean-install': 'ci',
  ic: 'ci',
  'install-clean': 'ci',
  'isntall-clean': 'ci',
  check: 'check',
  update: 'update',
  up: 'update',
  upgrade: 'update',
  udpate: 'update',
  uninstall: 'uninstall',
  unlink: 'uninstall',
  remove: 'uninstall',
  rm: 'uninstall',
  r: 'uninstall',
  un: 'uninstall',
  rebuild: 'rebuild',
  rb: 'rebuild',
  dedupe: 'dedupe',
  ddp: 'dedupe',
}

// npm's "install, then test" commands: the guarded install, then npm test.
const INSTALL_THEN_TEST: Record<string, GuardMode> = {
  'install-test': 'install',
  it: 'install',
  'install-ci-test': 'ci',
  cit: 'ci',
  'clean-install-test': 'ci',
  sit: 'ci',
}

// npm commands that install or run packages which safe-npm cannot check yet:
// refused rather than handed to npm unchecked, so `alias npm=safe-npm` stays safe.
const UNGUARDED_INSTALLERS = new Set(['find-dupes', 'exec', 'x', 'link', 'ln', 'init', 'create', 'innit'])

const HELP = `safe-npm: a policy guard in front of npm install

Usage:
  safe-npm install [<spec>...] [npm flags]   judge the tree npm would install, then install exactly that tree
  safe-npm ci [npm flags]                    npm ci, with every lockfile entry judged first
  safe-npm update [<name>...]                npm update, judged first
  safe-npm uninstall <name>...               npm uninstall, judged first (removing can change what else resolves)
  safe-npm install-test | install-ci-test    the guarded install or ci, then npm test
  safe-npm rebuild [<name>...]               run the install scripts the policy allows, of what is installed
  safe-npm dedupe                            npm dedupe, judged first
  safe-npm check [--lockfile]                judge without installing (the tree install would produce, or package-lock.json)
  safe-npm policy [--schema]                 print the effective policy and where each setting came from
  safe-npm intel status|update               what the malware feeds hold and whether they answer; update refetches
  safe-npm <other npm command>               handed to npm unchanged

Options:
  --policy <file>       use this policy instead of the discovered one
  --org-policy <file>   the organisation floor (also SAFE_NPM_ORG_POLICY)
  --json                machine-readable output on stdout (same as --format json)
  --format <f>          text (default), json, sarif (SARIF 2.1.0 for code scanning) or cyclonedx (an SBOM)
  --lockfile            check: judge package-lock.json as it is
  --probe               check/install: probe the public registry for the policy's private names

Exit codes: 0 clean (warnings allowed), 1 blocked by policy, 2 usage, policy or config error,
3 npm/Arborist failure (resolution, network, install), 70 internal error.`


export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  try {
    const parsed = parseArgs(argv)
    if (parsed.own.version && !parsed.command) {
      io.stdout.write(`${safeNpmVersion()}\n`)
      return 0
    }
    if (!parsed.command || parsed.command === 'help' || (parsed.own.help && (parsed.command in GUARDED || parsed.command === 'policy' || parsed.command === 'intel'))) {
      io.stdout.write(`${HELP}\n`)
      return 0
    }
    const mode = GUARDED[parsed.command]
    // The guard loads Arborist and the policy machinery: only when a command needs them,
    // so commands handed to npm (alias npm=safe-npm) start as fast as npm.
    if (mode) return await (await import('./guarded-command.js')).runGuard(mode, parsed, io)
    const thenTest = INSTALL_THEN_TEST[parsed.command]
    if (thenTest) {
      const code = await (await import('./guarded-command.js')).runGuard(thenTest, parsed, io)
      return code === 0 ? await passToNpm(['test'], io) : code
    }
    if (parsed.command === 'intel') return await (await import('./intel-command.js')).runIntel(parsed, io)
    if (parsed.command === 'policy') return await (await import('./policy-command.js')).showPolicy(parsed, io)
    if (UNGUARDED_INSTALLERS.has(parsed.command)) {
      throw new UsageError(
        `safe-npm does not guard "npm ${parsed.command}" yet; run npm ${parsed.command} directly if you accept an unchecked install`,
        'EUNGUARDED',
      )
    }
    return await passToNpm(argv, io)
  } catch (error) {
    return renderError(error, io)
  }
}
