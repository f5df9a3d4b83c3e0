// Every output format, keyed by --format. A reporter only formats the run's
// outcome; it decides nothing. Text goes to both streams (see formatRun); each
// machine format is one document on stdout.
import type { RunOutcome } from '../engine/run.js'
import { RULES } from '../rules/index.js'
import { toCycloneDxReport } from './cyclonedx-report.js'
import { toJsonReport } from './json-report.js'
import { toSarifReport } from './sarif-report.js'
import type { OutputFormat } from './formats.js'
import { formatRun, type Style, type TextOutput } from './text-report.js'

export interface ReportContext {
  style: Style
  toolVersion: string
  /** Seconds since the command started, for the summary line. */
  seconds: number
  /** npm's --loglevel (silent, error, warn, …): which of npm's own warnings a text report shows. */
  loglevel: string
}

const asDocument = (document: unknown): TextOutput => ({ stdout: `${JSON.stringify(document, null, 2)}\n`, stderr: '' })

export const REPORTERS = {
  text: (outcome: RunOutcome, context: ReportContext) => formatRun(outcome, context.style, context.seconds, context.loglevel),
  json: (outcome: RunOutcome) =>
    asDocument({
      ...toJsonReport(outcome.mode, outcome.judgement, outcome.policyFiles, outcome.install, outcome.npmWarnings),
      notes: outcome.notes.map(({ code, message }) => ({ code, message })),
      heldBack: outcome.heldBack,
      otherPlatformCount: outcome.packages.filter((pkg) => pkg.isForOtherPlatform).length,
    }),
  sarif: (outcome: RunOutcome, context: ReportContext) => asDocument(toSarifReport(outcome.judgement, RULES, context.toolVersion, outcome.manifest)),
  cyclonedx: (outcome: RunOutcome, context: ReportContext) =>
    asDocument(toCycloneDxReport(outcome.judgement, outcome.packages, outcome.project, context.toolVersion, outcome.now)),
} satisfies Record<OutputFormat, (outcome: RunOutcome, context: ReportContext) => TextOutput>
