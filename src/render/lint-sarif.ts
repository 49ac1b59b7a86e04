import {ruleDocsPath, type Finding} from '../lint/types.js'
import type {LintReport} from './lint-shared.js'

/**
 * SARIF 2.1.0 (OASIS), as GitHub code scanning and other CI dashboards read it. Paths are relative
 * URIs against `%SRCROOT%` (the directory memguard ran in); columns are UTF-16 code units, which
 * SARIF's default `columnKind` ("utf16CodeUnits") expects.
 */

const SARIF_SCHEMA = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json'

/** A path as a relative URI reference: `/` separators, percent-encoded per segment. */
export function toUriReference(path: string): string {
  const normalized = path.replace(/\\/g, '/')
  const absolute = normalized.startsWith('/')
  const encoded = normalized
    .split('/')
    .map((seg) => encodeURIComponent(seg))
    .join('/')
  return absolute ? `file://${encoded}` : encoded
}

function region(f: Pick<Finding, 'span'>) {
  const {start, end} = f.span
  const sameOrLater = end.line > start.line || (end.line === start.line && end.column > start.column)
  return {
    startLine: start.line,
    startColumn: start.column,
    ...(sameOrLater ? {endLine: end.line, endColumn: end.column} : {}),
  }
}

function location(path: string, f: Pick<Finding, 'span'>) {
  const uri = toUriReference(path)
  return {
    physicalLocation: {
      artifactLocation: uri.startsWith('file://') ? {uri} : {uri, uriBaseId: '%SRCROOT%'},
      region: region(f),
    },
  }
}

export function lintSarif(report: LintReport) {
  const {result} = report
  const rules = result.rules.map(({rule, severity}) => ({
    id: rule.id,
    name: rule.id
      .split('-')
      .map((w) => (w[0]?.toUpperCase() ?? '') + w.slice(1))
      .join(''),
    shortDescription: {text: rule.description},
    fullDescription: {text: rule.description},
    help: {text: `${rule.description} See ${ruleDocsPath(rule.id)} in the memguard package.`},
    defaultConfiguration: {level: severity === 'error' ? 'error' : 'warning'},
    properties: {docs: ruleDocsPath(rule.id)},
  }))
  const ruleIndex = new Map(rules.map((r, i) => [r.id, i]))
  const results = result.files.flatMap((file) =>
    file.findings.map((f) => ({
      ruleId: f.ruleId,
      ruleIndex: ruleIndex.get(f.ruleId),
      level: f.severity === 'error' ? 'error' : 'warning',
      message: {text: f.hint ? `${f.message}. Hint: ${f.hint}` : f.message},
      locations: [location(f.path, f)],
      ...(f.related?.length
        ? {relatedLocations: f.related.map((r, i) => ({id: i + 1, ...location(r.path, r), message: {text: r.message}}))}
        : {}),
    })),
  )
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'memguard',
            semanticVersion: report.memguardVersion,
            version: report.memguardVersion,
            informationUri: 'https://www.npmjs.com/package/memguard',
            rules,
          },
        },
        originalUriBaseIds: {'%SRCROOT%': {description: {text: 'The directory memguard lint ran in.'}}},
        artifacts: result.files.map((f) => {
          const uri = toUriReference(f.path)
          return {location: uri.startsWith('file://') ? {uri} : {uri, uriBaseId: '%SRCROOT%'}, sourceLanguage: f.kind}
        }),
        results,
        columnKind: 'utf16CodeUnits',
      },
    ],
  }
}

export function renderLintSarif(report: LintReport): string {
  return `${JSON.stringify(lintSarif(report), null, 2)}\n`
}
