// Dependency paths are the shortest from the root, as npm explain shows them.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { shortestDependencyPaths } from '../../lib/npm/package-view.ts'

function node(name: string, extra: Record<string, unknown> = {}): any {
  return { name, packageName: name, edgesOut: new Map(), edgesIn: new Set(), ...extra }
}
function dependsOn(from: any, to: any): void {
  const edge = { from, to, name: to.name }
  from.edgesOut.set(to.name, edge)
  to.edgesIn.add(edge)
}

test('the shortest path wins over the first one found deep in the tree', () => {
  const root = node('app', { isProjectRoot: true })
  const [next, postcss, nanoid, sourceMap] = ['next', 'postcss', 'nanoid', 'source-map-js'].map((name) => node(name))
  dependsOn(root, next)
  dependsOn(next, postcss)
  dependsOn(postcss, nanoid)
  dependsOn(nanoid, sourceMap)
  dependsOn(postcss, sourceMap)
  const paths = shortestDependencyPaths(root)
  assert.equal(paths.get(sourceMap), ['app', 'next', 'postcss', 'source-map-js'])
  dependsOn(root, sourceMap)
  assert.equal(shortestDependencyPaths(root).get(sourceMap), ['app', 'source-map-js'])
})

test('through a workspace link to what the workspace depends on', () => {
  const root = node('monorepo', { isProjectRoot: true })
  const folder = node('@shape/web')
  const link = node('@shape/web', { isLink: true, target: folder })
  const chalk = node('chalk')
  dependsOn(root, link)
  dependsOn(folder, chalk)
  const paths = shortestDependencyPaths(root)
  assert.equal(paths.get(chalk), ['monorepo', '@shape/web', 'chalk'])
  assert.equal(paths.get(folder), ['monorepo', '@shape/web'])
})

test('a cycle ends', () => {
  const root = node('app', { isProjectRoot: true })
  const a = node('a')
  const b = node('b')
  dependsOn(root, a)
  dependsOn(a, b)
  dependsOn(b, a)
  assert.equal(shortestDependencyPaths(root).get(b), ['app', 'a', 'b'])
})

test.run()
