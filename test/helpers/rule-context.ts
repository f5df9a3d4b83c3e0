// The rule context the engine hands the rules, for tests that run rules
// without the engine: one project policy document, one configured registry,
// an empty run. Overrides go last.
import type { RuleContext } from '../../lib/model/rule.js';
import { mergeWithFloor } from '../../lib/policy/merge.ts';
import type { PolicyDocument } from '../../lib/policy/schema.ts';

export function ruleContext(
  options: { document?: PolicyDocument; registry?: string; now?: Date } = {},
  extra: Partial<RuleContext> = {},
): RuleContext {
  const registry = options.registry ?? 'https://registry.npmjs.org/';
  return {
    policy: mergeWithFloor([], [{ source: 'test', isOrganisation: false, document: options.document ?? {} }]).policy,
    now: options.now ?? new Date(),
    configuredRegistries: [registry],
    defaultRegistry: registry,
    scopedRegistries: {},
    rewritesNpmjs: true,
    npmAllowScripts: null,
    project: { name: 'app', version: '1.0.0' },
    run: { feedProblems: [], probes: [] },
    ...extra,
  };
}
