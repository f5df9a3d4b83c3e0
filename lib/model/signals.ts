// What `safe-npm inspect` (and the API's judgeSpecs) shows per package: each
// rule's verdict on it, passed ones included, with the facts the rule looked at.
import type { SignalFacts, SourceKind } from './rule.js'

/**
 * pass: the rule ran and found nothing; warn / block: what it found, by the
 * policy's severity; waived: an exception took the finding; unverifiable: the
 * registry facts it needs could not be learned (or the rule's own facts say
 * it could not judge: a registry that records no publishers); not-checked: what it needs was
 * not gathered (the tarball is read only once nothing else blocks); off: the
 * policy turns the rule off.
 */
export type SignalStatus = 'pass' | 'warn' | 'block' | 'waived' | 'unverifiable' | 'not-checked' | 'off'

export interface RuleSignal {
  rule: string
  description: string
  status: SignalStatus
  /** The findings behind a warn, block or waived status (codes and messages). */
  findings: Array<{ code: string; severity: string; message: string; hint: string | null }>
  /** What the rule looked at (age, publisher, scripts, nearest popular names, feeds…). */
  facts: SignalFacts
}

export interface PackageSignals {
  name: string
  version: string
  location: string
  path: string[]
  /** One of the specs asked about (the others came with it). */
  isRequested: boolean
  source: SourceKind
  signals: RuleSignal[]
}

