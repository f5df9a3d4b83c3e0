// The policies `safe-npm init` writes: the embedded default spelled out where
// a project is most likely to edit it, and stricter presets.
import { DEFAULT_POLICY } from './default-policy.js'
import type { PolicyDocument } from './schema.js'

const { minimumReleaseAge, scripts, sources } = DEFAULT_POLICY

export const POLICY_PRESETS = {
  /** The embedded default: the settings plain npm can also enforce, written out to edit. */
  default: {
    minimumReleaseAge: { age: minimumReleaseAge.age, exclude: [] },
    scripts: { allow: {} },
    sources: { ...sources },
  },
  /**
   * For a team that reviews every change: a week's release age with no
   * holding back, unreviewed install scripts and trust changes block, no git
   * or URL dependencies, feeds that do not answer block.
   */
  strict: {
    rules: {
      'install-scripts': 'block',
      'new-install-script': 'block',
      'publisher-change': 'block',
      'trust-downgrade': 'block',
    },
    minimumReleaseAge: { age: '7d', exclude: [], lockfile: 'block' },
    scripts: { allow: {}, npmAllowScripts: scripts.npmAllowScripts },
    sources: { git: 'none', remote: 'none', file: 'direct', directory: 'direct' },
    intel: { unreachable: 'block' },
  },
} satisfies Record<string, PolicyDocument>

export type PresetName = keyof typeof POLICY_PRESETS

export const PRESET_NAMES = Object.keys(POLICY_PRESETS) as PresetName[]
