// The contract between the engine and the rules. A rule sees a narrow view of
// one package (PackageView), the facts gathered for it once (PackageFacts) and
// the effective policy; it returns raw findings (message id + arguments). The
// engine applies severities, exceptions and expiry; a rule never decides those.

import type { EffectivePolicy } from './policy.js'

export type Severity = 'block' | 'warn' | 'off'

export type SourceKind =
  | 'registry'
  | 'git'
  | 'remote'
  | 'file'
  | 'directory'
  | 'workspace'
  | 'root'
  /** Shipped inside another package's tarball (bundleDependencies): it has no registry facts of its own. */
  | 'bundled'

/** What a rule may know about one node of the tree. Built by package-view.ts. */
export interface PackageView {
  /**
   * The package that will be installed: for a registry tarball the name and
   * version its resolved URL names (the bytes), otherwise what the lockfile or
   * manifest says. The claims are kept apart below and compared by the
   * package-identity rule.
   */
  name: string
  version: string
  /** Location in the tree, like `node_modules/a/node_modules/b`; '' for the root. */
  location: string
  /** The resolved URL (registry tarball, git URL, file: path) or null. */
  resolved: string | null
  integrity: string | null
  source: SourceKind
  /** True when the root project or a workspace depends on it directly. */
  isDirect: boolean
  /** Names from the root to this package: ['my-app', 'a', 'b']. */
  path: string[]
  /** The spec of the first edge that brought it in (`^1.2.0`, `github:a/b`). */
  spec: string | null
  /** True when its version came from package-lock.json / an existing node_modules, not a fresh resolution. */
  isFromLockfile: boolean
  isDev: boolean
  isOptional: boolean
  /** Lifecycle scripts from the manifest (empty object when none). */
  scripts: Record<string, string>
  /** npm's own flag (from the manifest or the lockfile) that the package has an install script. */
  hasInstallScript: boolean
  /** True when the package ships a binding.gyp (implicit `node-gyp rebuild`). */
  hasBindingGyp: boolean
  /** An optional package for another OS, CPU or libc: judged, but npm will not install it here. */
  isForOtherPlatform?: boolean
  /** The manifest's `license` (an SPDX expression or a name) when it is a string; for the SBOM, judged by no rule. */
  license?: string
  /**
   * Locations of the packages this one's dependency edges resolve to (through a link, its
   * target's edges), in the order they are declared: the tree's edges, for the SBOM's graph.
   * Absent where no tree was built (the registry-side filter).
   */
  dependsOn?: string[]
  /**
   * Where its own dependencies and optionalDependencies resolved in the tree:
   * name → location (links followed). Absent when not known.
   */
  dependencyLocations?: Record<string, string>
  /** Ranges other packages ask of this one (edges from dependencies, not from the project). */
  requestedRanges: string[]
  /** The range the project itself (root or a workspace) asks for, which the user can change; null when none. */
  projectRange: string | null
  /** Deprecation message from the manifest, if any. */
  deprecated: string | null
  /** The folder it is installed in: the last `node_modules/<name>` of its location. */
  folderName?: string
  /**
   * The version of this package at the same location before this command: the
   * lockfile's, else the installed one (read only when a policy needs it); absent when the same or none.
   */
  replacesVersion?: string
  /** The name and version package-lock.json (or the registry manifest, for a fresh resolution) claims. */
  claimedName?: string
  claimedVersion?: string
  /**
   * The package names the edges in ask for: the folder name, or the target of
   * an npm alias (`"my-alias": "npm:real-pkg@^1"` asks for real-pkg).
   */
  requestedNames?: string[]
  /**
   * Fields of the lockfile entry or manifest that had the wrong type and were
   * dropped (`deprecated: expected a string, got an object`); when present the
   * package is unverifiable. Absent when there were none.
   */
  dataProblems?: string[]
}

/** One version's entry as read from a full packument. */
export interface VersionFacts {
  version: string
  publishedAt: Date | null
  publisher: string | null
  /** Install-time scripts (preinstall, install, postinstall) of this version. */
  scripts: Record<string, string>
  hasProvenance: boolean
  hasTrustedPublisher: boolean
  deprecated: string | null
  /** The version's description (security holding packages say so there). */
  description?: string | null
  /**
   * The registry's published integrity of the tarball: `dist.integrity`, or
   * `sha1-…` from `dist.shasum` for old versions without one; null when the
   * registry publishes neither. Absent where the facts did not come from a packument.
   */
  integrity?: string | null
  /**
   * Names of the version's dependencies and optionalDependencies as its
   * packument entry lists them. Absent when not known.
   */
  dependencies?: string[]
  /**
   * Names of the maintainers its packument entry lists (the registry records
   * the package's maintainers there when the version is published). Absent
   * when not known or when the registry lists none.
   */
  maintainers?: string[]
}

/** What the engine learned about a package from its registry, gathered once. */
export interface PackageFacts {
  /** 'known' when the packument was read; 'unverifiable' when it could not be; 'not-applicable' for non-registry sources. */
  status: 'known' | 'unverifiable' | 'not-applicable'
  /** Why the facts are unverifiable (registry error, time-out, bad JSON). */
  reason?: string
  /** Facts of the resolved version, when known. */
  version?: VersionFacts
  /** Every published version of the package, oldest first, when known. */
  versions?: VersionFacts[]
  /** dist-tags of the packument, when known. */
  distTags?: Record<string, string>
  /** Reports from malware feeds and advisories that name this version. */
  advisories?: Advisory[]
  /** Advisories that name the version this one replaces (PackageView.replacesVersion), when asked for. */
  replacedAdvisories?: Advisory[]
  /** Verified provenance, for packages the policy requires it of. */
  provenance?: ProvenanceFact
  /** What the tarball's own package.json declares, for packages about to be written (never in `check`). */
  tarball?: TarballFact
}

/** The install-relevant fields of a tarball's own package.json (what npm acts on once it is unpacked). */
export interface TarballManifest {
  name: string | null
  version: string | null
  /** String-valued scripts only. */
  scripts: Record<string, string>
  dependencies: Record<string, string>
  optionalDependencies: Record<string, string>
  peerDependencies: Record<string, string>
  /** Normalised like npm does: command name → path inside the package. */
  bin: Record<string, string>
  /** The `gypfile` field as written (`false` opts out of the implicit node-gyp build), or null. */
  gypfile: boolean | null
  /** The tarball ships a top-level binding.gyp. */
  hasBindingGyp: boolean
  /** What the install scripts' own text shows (lib/heuristics/script-content.ts); absent when it has none or it was not analysed. */
  scriptContent?: ScriptContentVerdict
}

/** A dropper shape an install script shows, as named in findings and the README. */
export type ScriptShapeId =
  | 'download-and-run'
  | 'remote-command'
  | 'eval-remote'
  | 'eval-decoded'
  | 'encoded-payload'
  | 'writes-outside-package'
  | 'reads-credentials'
  | 'secret-scanner'
  | 'exfiltration-endpoint'
  | 'publishes-packages'

export interface ScriptShape {
  shape: ScriptShapeId
  /** Path inside the package, or `package.json#scripts.<event>` for the command itself. */
  file: string
  line: number
  /** A short, single-line piece of the text around the match. */
  excerpt: string
}

/** What the analysis of one package's install scripts found (kept with the tarball summary under its integrity). */
export interface ScriptContentVerdict {
  /** Version of the heuristics: a cached verdict of another version is not reused. */
  analysis: number
  shapes: ScriptShape[]
  /** Files the scripts name that could not be read (missing from the tarball, too large), with why. */
  unread: string[]
  /** Files that were read. */
  read: string[]
}

/** The same fields of the manifest Arborist resolved the node with (what was judged). */
export type DeclaredManifest = Pick<TarballManifest, 'scripts' | 'dependencies' | 'optionalDependencies' | 'peerDependencies' | 'bin'> & {
  /** False when that manifest carries no `scripts` at all (abbreviated packuments and lockfile entries do not). */
  hasScriptList: boolean
}

export type TarballFact =
  | { state: 'read'; manifest: TarballManifest; declared: DeclaredManifest }
  /** The tarball could not be fetched or parsed (integrity mismatch, no package.json, bad JSON). */
  | { state: 'unreadable'; reason: string }

export interface ProvenanceFact {
  /** verified; missing (none published); invalid (verification failed); unknown (it could not be checked). */
  state: 'verified' | 'missing' | 'invalid' | 'unknown'
  detail: string
}

export interface Advisory {
  /** OSV id (MAL-…, GHSA-…), advisory id or deny-list line. */
  id: string
  /** Which feed said so: "osv-api", "osv-dataset:<path>", "registry-advisories", "deny-list:<file>". */
  source: string
  summary: string
  isMalware: boolean
  /** For vulnerabilities: low | moderate | high | critical. */
  severity?: string
  url?: string
  /** The affected range as the registry's bulk endpoint gives it (`<4.17.21`), when it does. */
  vulnerableVersions?: string
  /** The versions OSV's ranges name as `fixed` for this package, when read. */
  fixedIn?: string[]
}

export interface RuleContext {
  policy: EffectivePolicy
  /** Fixed once per run so every rule agrees on "now". */
  now: Date
  /** Registries npm is configured with (default registry + scoped ones), normalised with a trailing slash. */
  configuredRegistries: string[]
  /** The default registry npm is configured with. */
  defaultRegistry: string
  /** Scope → registry, as npm is configured. */
  scopedRegistries: Record<string, string>
  /** npm rewrites registry.npmjs.org URLs of a lockfile to the configured registry (replace-registry-host). */
  rewritesNpmjs: boolean
  /** The project's own `allowScripts` from package.json (npm approve-scripts), when it has one. */
  npmAllowScripts: Record<string, boolean> | null
  /** The project being installed (the root of the tree). */
  project: { name: string; version: string }
  /** Facts about the run as a whole (feeds that could not be read, probe answers), gathered once by the engine. */
  run: RunFacts
  /** The package specs typed on the command line to be added (`safe-npm install jqeury@3`); absent or empty: none. */
  requestedOnCommandLine?: string[]
  /** The policy files that applied, as shown to the user (empty or absent: the embedded default policy). */
  policyFiles?: string[]
  /**
   * Another package of the tree and its facts, by location (what a package
   * brings in, through PackageView.dependencyLocations); set by the engine,
   * absent where no tree is judged (the registry filter).
   */
  packageAt?: (location: string) => { pkg: PackageView; facts: PackageFacts } | undefined
}

export interface FeedProblem {
  feed: string
  reason: string
}

export interface RunFacts {
  /** Configured feeds that could not be read (never skipped silently). */
  feedProblems: FeedProblem[]
  /** Answers of the public registry for private names and pinned scopes (`check --probe`), when probed. */
  probes: ProbeAnswer[]
}

export interface ProbeAnswer {
  /** A private name pattern's literal name, or a scope. */
  name: string
  kind: 'name' | 'scope'
  /** 'claimed': exists publicly; 'free': nobody has it; 'unknown': the probe failed. */
  state: 'claimed' | 'free' | 'unknown'
  detail: string
}

export interface RawFinding {
  messageId: string
  /** Values substituted into the message template: `{name}` → args.name. */
  args: Record<string, string | number>
  /** A change of the tree that would resolve this finding, which the engine may make before it decides. */
  remedy?: Remedy
}

/**
 * Resolve one package name again under the policy's gates while everything
 * else stays as locked: how a too-young version kept in the lockfile is held
 * back to a mature one instead of being a dead end.
 */
export interface Remedy {
  reresolve: string
  /** Why, in a few words, for the "held back" line: `published 2 days ago`. */
  reason: string
}

/**
 * Where a message's severity comes from, when not from `rules.<rule-id>`:
 * another policy setting (`intel.unreachable`, `rules.unverifiable`), and/or a
 * ceiling (advice that never blocks). The engine resolves it; rules never do.
 */
export interface SeveritySource {
  /** A dotted path into the effective policy whose value is block | warn | off. */
  setting?: string
  /** The severity never rises above this. */
  atMost?: 'warn'
}

/** What a rule needs gathered before it can judge; the engine gathers the union over active rules. */
export interface RuleNeeds {
  /** Registry facts per package (publish times, versions, publishers, scripts). */
  facts?: boolean
  /** What the malware feeds and advisory sources say about each package version. */
  advisories?: boolean
  /** Package patterns whose registry signature and attestations must be verified. */
  provenance?: string[]
  /** The public-registry probe of private names: always, or only when the user asks (`check --probe`). */
  probe?: 'always' | 'on-request'
  /** The tarball's own package.json, for every registry package the install is about to write (read before anything is written). */
  tarballManifests?: boolean
}

export interface RuleMeta {
  id: string
  description: string
  /** The severity when the policy does not name this rule. */
  defaultSeverity: Severity
  /** Message templates by id, with `{arg}` placeholders. */
  messages: Record<string, string>
  /** How to fix, by message id; shown under the finding. */
  hints?: Record<string, string>
  /** Messages whose severity another setting governs (default: `rules.<id>`). */
  severities?: Record<string, SeveritySource>
  /** What the engine must gather for this rule under a given policy. */
  needs?: (policy: EffectivePolicy) => RuleNeeds
  /**
   * The rule reads PackageFacts.tarball: once the tarballs are read, only such
   * rules judge again (every other rule's findings stand).
   */
  readsTarballs?: boolean
  /**
   * Whether the rule judges one version from its packument alone, so the registry-side filter
   * (lib/registry) runs it: true for every message, a list for only these. Absent: client only.
   */
  appliesAtRegistry?: true | string[]
}

/** What a rule looked at for one package, shown by `safe-npm inspect` whether or not it found something. */
export type SignalFacts = Record<string, string | number | boolean | string[] | null>

export interface Rule {
  meta: RuleMeta
  check(pkg: PackageView, facts: PackageFacts, context: RuleContext): RawFinding[]
  /**
   * The facts `check` judges for this package (its age, publisher, scripts, nearest names…), passed or not.
   * An `unverifiable` text says why the rule could not judge it although it found nothing. Absent: none worth showing.
   */
  explain?(pkg: PackageView, facts: PackageFacts, context: RuleContext): SignalFacts
  /** Findings about the run as a whole (reported against the project root). */
  checkRun?(context: RuleContext): RawFinding[]
  /**
   * Loads what `check` and `explain` need that is too large to load at startup (a
   * dataset): awaited once before the first judgement (prepareRules in engine/judge.ts),
   * so a run that judges nothing (a remembered verdict) never loads it.
   */
  prepare?(): Promise<void>
}

export interface Finding {
  /** `rule-id/message-id`: stable, the SARIF rule id and the docs anchor. */
  code: string
  ruleId: string
  messageId: string
  severity: Exclude<Severity, 'off'>
  package: { name: string; version: string; location: string }
  /** Names from the root: ['my-app', 'a', 'b']. */
  path: string[]
  message: string
  hint: string | null
  args: Record<string, string | number>
  remedy?: Remedy
}
