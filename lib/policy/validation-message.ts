// Turns a schema issue into `path.to.key: expected …, got …`.
import type { z } from 'zod'
import { displayPath } from './merge.js'

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'an object'
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value)
  return String(value)
}

function valueAt(root: unknown, path: PropertyKey[]): unknown {
  let node: any = root
  for (const key of path) node = node?.[key as any]
  return node
}

export function describeIssue(issue: z.core.$ZodIssue, root: unknown): string {
  const keyPath = issue.path.map(String)
  const where = keyPath.length > 0 ? `${displayPath(keyPath)}: ` : ''
  const got = `got ${describeValue(valueAt(root, issue.path))}`
  switch (issue.code) {
    case 'unrecognized_keys': {
      const keys = issue.keys.map((key) => displayPath([...keyPath, key]))
      return `${keys.join(', ')}: unknown setting${keys.length > 1 ? 's' : ''}`
    }
    case 'invalid_type':
      return `${where}expected ${issue.expected === 'array' ? 'a list' : issue.expected}, ${got}`
    case 'invalid_value':
      return `${where}expected one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}, ${got}`
    case 'invalid_union':
      return `${where}expected a string or a list of strings, ${got}`
    case 'invalid_key':
      return `${where}${issue.issues[0]?.message ?? 'invalid key'}, got ${describeValue(issue.input ?? valueAt(root, issue.path))}`
    case 'too_small':
      return `${where}must not be empty`
    case 'too_big':
      return `${where}too long: expected at most ${issue.maximum} ${issue.origin === 'string' ? 'characters' : 'entries'}, ${got}`
    default:
      return `${where}${issue.message.replace(/^Invalid input: /, '')}, ${got}`
  }
}
