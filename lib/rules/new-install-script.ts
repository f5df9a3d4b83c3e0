import { newInstallScript } from '../heuristics/version-signals.js'
import { history, previousRelease } from './version-history.js'
import type { Rule } from '../model/rule.js'

export const newInstallScriptRule: Rule = {
  meta: {
    id: 'new-install-script',
    description: 'This version adds a preinstall, install or postinstall script that the version before it did not have.',
    defaultSeverity: 'warn',
    appliesAtRegistry: true,
    messages: {
      'script-added': '{name}@{version} adds {scripts} that {previous} did not have: {commands}',
    },
    hints: {
      'script-added': 'Read the script before allowing it; hijacked releases usually arrive as a new install script.',
    },
    needs: () => ({ facts: true }),
  },
  explain(_pkg, facts) {
    const known = history(facts)
    const previous = known ? previousRelease(known) : null
    return {
      installScripts: Object.keys(facts.version?.scripts ?? {}),
      previousVersion: previous?.version ?? null,
      previousInstallScripts: previous ? Object.keys(previous.scripts) : [],
    }
  },
  check(pkg, facts) {
    const known = history(facts)
    if (pkg.source !== 'registry' || !known) return []
    const before = previousRelease(known)
    const added = newInstallScript(known.current, before)
    if (!before || added.length === 0) return []
    return [
      {
        messageId: 'script-added',
        args: {
          name: pkg.name,
          version: pkg.version,
          previous: `${pkg.name}@${before.version}`,
          scripts: added.join(', '),
          commands: added.map((event) => `${event}: ${known.current.scripts[event]}`).join('; '),
        },
      },
    ]
  },
}
