#!/usr/bin/env node
// The folder import matrix of lib/: how many import (and export … from)
// statements of each folder name another, type-only ones included, and every
// cycle between folders. `npm run measure:imports` prints it; a test asserts
// there is no cycle.
import { readFileSync, readdirSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const IMPORT = /(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g

/** Folder → folder → number of imports, over the .ts files below root. */
export function folderImports(root) {
  const files = []
  const walk = (dir) => {
    for (const entry of readdirSync(dir)) {
      const full = path.join(dir, entry)
      if (statSync(full).isDirectory()) walk(full)
      else if (full.endsWith('.ts')) files.push(full)
    }
  }
  walk(root)
  const folderOf = (file) => {
    const parts = path.relative(root, file).split(path.sep)
    return parts.length > 1 ? parts[0] : '(top)'
  }
  const edges = new Map()
  for (const file of files) {
    for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const from = folderOf(file)
      const to = folderOf(path.resolve(path.dirname(file), match[1] ?? match[2]))
      if (from === to) continue
      const row = edges.get(from) ?? new Map()
      row.set(to, (row.get(to) ?? 0) + 1)
      edges.set(from, row)
    }
  }
  return { folders: [...new Set(files.map(folderOf))].sort(), edges }
}

/** Every cycle between folders, as lists of folder names (empty when the layers are one-way). */
export function folderCycles({ folders, edges }) {
  const cycles = []
  const state = new Map()
  const stack = []
  const visit = (folder) => {
    state.set(folder, 'open')
    stack.push(folder)
    for (const next of (edges.get(folder) ?? new Map()).keys()) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next])
      else if (!state.has(next)) visit(next)
    }
    stack.pop()
    state.set(folder, 'done')
  }
  for (const folder of folders) if (!state.has(folder)) visit(folder)
  return cycles
}

export function formatMatrix(graph) {
  const { folders, edges } = graph
  const width = Math.max(...folders.map((folder) => folder.length), 'from \\ to'.length)
  const lines = [['from \\ to'.padEnd(width), ...folders.map((folder) => folder.padStart(Math.max(folder.length, 3)))].join('  ')]
  for (const from of folders) {
    const cells = folders.map((to) => String(from === to ? '·' : edges.get(from)?.get(to) ?? '-').padStart(Math.max(to.length, 3)))
    lines.push([from.padEnd(width), ...cells].join('  '))
  }
  const cycles = folderCycles(graph)
  lines.push('', cycles.length === 0 ? 'cycles: none' : `cycles: ${cycles.map((cycle) => cycle.join(' → ')).join('; ')}`)
  return lines.join('\n')
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = path.resolve(process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'lib'))
  console.log(formatMatrix(folderImports(root)))
}
