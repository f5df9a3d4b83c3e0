// `safe-npm policy import [--from npm|pnpm|yarn|lavamoat] [--write]`: prints
// the policy the project's npm/pnpm/Yarn/LavaMoat settings amount to (stdout,
// so it can be redirected into a file) and, on stderr, where each setting came
// from and what had no equivalent. --write merges it into the project policy.
import path from 'node:path'
import { EXIT, UsageError } from '../errors.js'
import { loadNpmConfig } from '../npm/npm-config.js'
import { commitEdit } from '../policy/approve.js'
import { IMPORT_SOURCES, importSettings, mergeImported, readImportInputs, type ImportSource, type MergeReport } from '../policy/import.js'
import { validatePolicy } from '../policy/load.js'
import { findProjectPolicyFile, openPolicyFile } from '../policy/policy-file.js'
import { isMachineOutput, type ParsedArgs } from './args.js'
import { readCommandWords } from './approve-command.js'
import { closestOption } from './flag-suggestions.js'
import type { Io } from './io.js'

function sourcesFrom(value: string | undefined): ImportSource[] {
  if (value === undefined) return [...IMPORT_SOURCES]
  const names = value.split(',').map((name) => name.trim().toLowerCase())
  for (const name of names) {
    if (!(IMPORT_SOURCES as readonly string[]).includes(name)) {
      const near = closestOption(`--${name}`, IMPORT_SOURCES)
      throw new UsageError(`policy import: --from takes ${IMPORT_SOURCES.join(', ')} (got "${name}"${near ? `: did you mean ${near.slice(2)}?` : ''})`, 'EUSAGE')
    }
  }
  return names as ImportSource[]
}

export async function runPolicyImport(parsed: ParsedArgs, io: Io, words: string[]): Promise<number> {
  const command = readCommandWords(words, 'policy import', ['from'], ['write'])
  if (command.positionals.length > 0) throw new UsageError(`policy import takes no arguments (got ${command.positionals.join(' ')})`, 'EUSAGE')
  const sources = sourcesFrom(command.values.from)
  const config = await loadNpmConfig([], io.cwd, io.env)
  const inputs = await readImportInputs(config.prefix, config.projectSettings)
  const result = importSettings(inputs, sources)
  // The importers only write what the schema takes; this is the proof.
  await validatePolicy(result.document, 'the imported policy')

  let written: { file: string; created: boolean; merge: MergeReport } | null = null
  if (command.switches.has('write') && Object.keys(result.document).length > 0) {
    const target = await findProjectPolicyFile(config.prefix, parsed.own.policyFile)
    const label = path.relative(config.prefix, target.file).startsWith('..') ? target.file : path.relative(config.prefix, target.file)
    const open = await openPolicyFile(target, label)
    const merge = mergeImported(open.editor, result.document)
    if (merge.added.length > 0) {
      await commitEdit(open, label, {
        cwd: config.prefix,
        policyFile: parsed.own.policyFile,
        orgPolicyFile: parsed.own.orgPolicyFile ?? (io.env.SAFE_NPM_ORG_POLICY || undefined),
        npmOptions: config.flat,
      })
    }
    written = { file: label, created: !target.exists && merge.added.length > 0, merge }
  }

  if (isMachineOutput(parsed.own)) {
    io.stdout.write(`${JSON.stringify({ schemaVersion: 1, sources, read: result.read, policy: result.document, mapped: result.mapped, unmapped: result.unmapped, written }, null, 2)}\n`)
    return EXIT.clean
  }
  const say = (line: string) => io.stderr.write(`safe-npm: ${line}\n`)
  if (result.read.length === 0) {
    say(`nothing to import: no ${sources.join(', ')} settings found in ${config.prefix}`)
    return EXIT.clean
  }
  io.stdout.write(`${JSON.stringify(result.document, null, 2)}\n`)
  say(`read ${result.read.join(', ')}`)
  for (const { setting, from } of result.mapped) say(`${from} → ${setting}`)
  for (const { from, why } of result.unmapped) say(`not imported: ${from}: ${why}`)
  if (written) {
    const { merge } = written
    if (merge.added.length === 0) say(`${written.file} already has all of it; nothing written`)
    else say(`${written.created ? 'wrote the new' : 'merged into'} ${written.file}: ${merge.added.join(', ')}`)
    for (const kept of merge.kept) say(`kept ${kept.setting} ${JSON.stringify(kept.file)} as ${written.file} sets it (the import says ${JSON.stringify(kept.imported)})`)
  } else if (command.switches.has('write') === false) {
    say('nothing was written: --write merges this into the project policy')
  }
  return EXIT.clean
}
