/**
 * The user's catalogue (`saliency methods`, and the explorer's source later): every
 * registered method and metric with its family, needs, options, defaults and summary,
 * as plain JSON, straight from the descriptors.
 */
import type { OptionSchema, OptionSpec } from '../methods/descriptor.js';
import { FAMILY_TITLES } from '../methods/descriptor.js';
import { defaultsOf, expectation, flagName, rangeText } from '../methods/options.js';
import { listMethods } from '../methods/registry.js';
import { listMetrics } from '../metrics/registry.js';
import { optionFlag } from './plan.js';

export interface OptionEntry {
  key: string;
  /** The CLI flag: '--steps'. */
  flag: string;
  kind: OptionSpec['kind'];
  default: string | number | boolean;
  /** What a value looks like: "a positive integer or 'auto'". */
  takes: string;
  range?: string;
  choices?: readonly string[];
  description: string;
}

export interface CatalogueEntry {
  name: string;
  aliases: readonly string[];
  title: string;
  family: string;
  familyTitle?: string;
  summary: string;
  needs: Record<string, boolean | undefined>;
  /** true, false, or 'depends' (on options or the baseline). */
  random: boolean | 'depends';
  options: OptionEntry[];
  defaults: Record<string, string | number | boolean>;
}

export interface Catalogue {
  methods: CatalogueEntry[];
  metrics: CatalogueEntry[];
}

export function optionEntries(schema: OptionSchema, flagOf: (key: string, spec: OptionSpec) => string = flagName): OptionEntry[] {
  return Object.entries(schema).map(([key, spec]) => ({
    key,
    flag: `--${flagOf(key, spec)}`,
    kind: spec.kind,
    default: spec.default,
    takes: expectation(spec),
    ...(rangeText(spec) ? { range: rangeText(spec) } : {}),
    ...(spec.kind === 'choice' ? { choices: spec.choices } : {}),
    description: spec.description,
  }));
}

export function catalogue(): Catalogue {
  return {
    methods: listMethods().map((d) => ({
      name: d.name,
      aliases: d.aliases,
      title: d.title,
      family: d.family,
      familyTitle: FAMILY_TITLES[d.family],
      summary: d.summary,
      needs: { ...d.needs },
      random: typeof d.random === 'function' ? 'depends' : d.random,
      options: optionEntries(d.options, (key, spec) => optionFlag(d, key, spec)),
      defaults: defaultsOf(d.options),
    })),
    metrics: listMetrics().map((d) => ({
      name: d.name,
      aliases: d.aliases,
      title: d.title,
      family: d.family,
      summary: d.summary,
      needs: { ...d.needs },
      random: typeof d.random === 'function' ? 'depends' : d.random,
      options: optionEntries(d.options),
      defaults: defaultsOf(d.options),
    })),
  };
}

/** The catalogue in words, by family. */
export function describeCatalogue(c: Catalogue): string {
  const lines: string[] = [];
  let family = '';
  for (const m of c.methods) {
    if (m.family !== family) {
      family = m.family;
      lines.push('', `${m.familyTitle ?? m.family}`);
    }
    const extras = [m.needs['baseline'] ? 'takes --baseline' : '', m.needs['layer'] ? 'takes a layer' : '', m.needs['gradients'] ? '' : 'forward passes only'].filter(Boolean);
    lines.push(`  ${m.name.padEnd(18)} ${m.title}: ${m.summary}${extras.length ? ` [${extras.join('; ')}]` : ''}`);
    if (m.aliases.length) lines.push(`  ${''.padEnd(18)} also: ${m.aliases.join(', ')}`);
    for (const o of m.options) {
      lines.push(`  ${''.padEnd(18)} ${o.flag.padEnd(14)} ${o.description} (${o.choices ? o.choices.join(' | ') : o.takes}${o.range ? `, ${o.range}` : ''}; default ${String(o.default)})`);
    }
  }
  lines.push('', c.metrics.length ? 'Metrics' : 'Metrics: none registered yet');
  for (const m of c.metrics) lines.push(`  ${m.name.padEnd(18)} ${m.title} (${m.family}): ${m.summary}`);
  return lines.join('\n').replace(/^\n/, '');
}
