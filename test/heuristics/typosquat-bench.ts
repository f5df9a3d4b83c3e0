// Micro-benchmark of the typosquatting index: the time to build it from the
// popular dataset, and to check 1,500 names in two shapes:
// - worst case: no name is popular, so every check runs the full search;
// - typical tree: 6% of the names are not popular, the share in the
//   1,892-package lockfile of a real application (a popular name is settled
//   by its first map look-up).
// Run: npx tsx test/intel/typosquat-bench.ts
// Wall time suffers when other processes share the CPU; the CPU time of this
// process (user + system, JIT threads included) is printed beside the cold pass.

import { performance } from 'node:perf_hooks'
import { npmHighImpact } from 'npm-high-impact'
import { TyposquatIndex } from '../../lib/heuristics/typosquat-index.js'
import { readNameList } from '../helpers/name-list.js'

const NAME_COUNT = 1500
const ROUNDS = 20

function worstCaseNames(): string[] {
  const names = [...readNameList('legit-names.txt'), ...readNameList('malicious-names.txt')]
  // Fill up with one-swap typos of popular names, which reach the fuzzy search.
  for (const popular of npmHighImpact) {
    if (names.length >= NAME_COUNT) break
    if (popular.length < 6 || popular.startsWith('@')) continue
    names.push(popular[0] + popular[2] + popular[1] + popular.slice(3))
  }
  return names.slice(0, NAME_COUNT)
}

function typicalTreeNames(): string[] {
  const legit = readNameList('legit-names.txt')
  const wanted = Math.round(NAME_COUNT * 0.06)
  const notPopular = Array.from({ length: wanted }, (_, index) => legit[Math.floor(index * legit.length / wanted)])
  const step = Math.floor(npmHighImpact.length / (NAME_COUNT - notPopular.length))
  const popular = npmHighImpact.filter((_, index) => index % step === 0).slice(0, NAME_COUNT - notPopular.length)
  return [...popular, ...notPopular]
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(since)
  return (user + system) / 1000
}

function time<T>(work: () => T): { result: T, wall: number, cpu: number } {
  const cpu = process.cpuUsage()
  const started = performance.now()
  const result = work()
  return { result, wall: performance.now() - started, cpu: cpuMs(cpu) }
}

const format = (wall: number, cpu?: number): string => `${wall.toFixed(1)} ms${cpu === undefined ? '' : ` (cpu ${cpu.toFixed(1)} ms)`}`

const build = time(() => TyposquatIndex.fromPopular())
const index = build.result
console.log(`popular names: ${index.size}`)
console.log(`build: cold ${format(build.wall, build.cpu)}, median of ${ROUNDS} ${format(median(Array.from({ length: ROUNDS }, () => time(() => TyposquatIndex.fromPopular()).wall)))}`)

for (const [label, names] of [['typical tree', typicalTreeNames()], ['worst case', worstCaseNames()]] as const) {
  const cold = time(() => names.filter((name) => index.check(name) !== null).length)
  const warm = Array.from({ length: ROUNDS }, () => time(() => { for (const name of names) index.check(name) }).wall)
  console.log(`check ${names.length} names, ${label}: cold ${format(cold.wall, cold.cpu)}, median of ${ROUNDS} ${format(median(warm))}; ${cold.result} flagged`)
}
