// Every output format, keyed by --format. A reporter only formats the run's
// outcome; it decides nothing. Text goes to both streams (see formatRun); each
// machine format is one document on stdout.
import type { RunOutcome } from '../engine/run.js'
import { RULES } from '../rules/index.js'
import { toCycloneDxReport } from './cyclonedx-report.js'
import { toJsonReport } from './json-report.js'
import { toSarifReport, type ProjectFileTexts } from './sarif-report.js'
import type { CycloneDxSpecVersion, OutputFormat } from './formats.js'
import { formatRun, type Style, type TextOutput } from './text-report.js'

export interface ReportContext {
  style: Style
  toolVersion: string
  /** Seconds since the command started, for the summary line. */
  seconds: number
  /** npm's --loglevel (silent, error, warn, …): which of npm's own warnings a text report shows. */
  loglevel: string
  /** --spec-version of a CycloneDX report (default: the newest supported). */
  cycloneDxSpec?: CycloneDxSpecVersion
  /** The text of the project's package.json and lockfile, for SARIF regions (absent: locations without lines). */
  projectFiles?: ProjectFileTexts
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
  sarif: (outcome: RunOutcome, context: ReportContext) => asDocument(toSarifReport(outcome.judgement, RULES, context.toolVersion, outcome.manifest, context.projectFiles)),
  cyclonedx: (outcome: RunOutcome, context: ReportContext) =>
    asDocument(toCycloneDxReport(outcome.judgement, outcome.packages, outcome.project, context.toolVersion, outcome.now, { specVersion: context.cycloneDxSpec })),
} satisfies Record<OutputFormat, (outcome: RunOutcome, context: ReportContext) => TextOutput>
