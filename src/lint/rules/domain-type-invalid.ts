import {atom, typeFromBuilderKey, typeFromTypeKey} from '../domain.js'
import {effectiveSettings} from '../../xen/config/xl-cfg.js'
import type {Rule} from '../types.js'

export const domainTypeInvalid: Rule = {
  id: 'domain-type-invalid',
  severity: 'error',
  description: 'type= or builder= that xl rejects ("Invalid domain type"), or that contradict each other: xl create exits.',
  docs: 'docs/rules/domain-type-invalid.md',
  kinds: ['xl-domain'],
  check(file, ctx) {
    if (file.kind !== 'xl-domain') return
    const settings = effectiveSettings(file.xl)
    const typeSetting = settings.get('type')
    const builderSetting = settings.get('builder')
    const typeValue = atom(typeSetting?.value)
    const builderValue = atom(builderSetting?.value)
    const type = typeValue === undefined ? undefined : typeFromTypeKey(typeValue)
    const builder = builderValue === undefined ? undefined : typeFromBuilderKey(builderValue)
    if (typeSetting && typeValue !== undefined && (type === undefined || typeValue === '')) {
      ctx.report({
        span: typeSetting.value.span,
        message: typeValue === '' ? 'type = "" matches "hvm" in xl (it compares only the given prefix): this guest is HVM' : `type = ${JSON.stringify(typeValue)} is not a domain type: xl prints "Invalid domain type" and exits`,
        hint: 'use type = "pv", "pvh" or "hvm"',
      })
    }
    if (builderSetting && builderValue !== undefined && builder === undefined) {
      ctx.report({span: builderSetting.value.span, message: `builder = ${JSON.stringify(builderValue)} is not valid for xl (only "hvm" and "generic"): xl prints "Invalid domain type" and exits`, hint: 'use type = "pv", "pvh" or "hvm" instead of builder'})
    }
    if (type !== undefined && builder !== undefined && type !== builder && builderSetting) {
      ctx.report({
        span: builderSetting.setting.keySpan,
        message: `builder = ${JSON.stringify(builderValue)} contradicts type = ${JSON.stringify(typeValue)}: xl prints "Contradicting builder and type options specified." and exits`,
        hint: 'remove builder (deprecated since Xen 4.10)',
        related: typeSetting ? [{path: file.source.path, span: typeSetting.setting.keySpan, message: 'type is set here'}] : undefined,
      })
    }
  },
}
