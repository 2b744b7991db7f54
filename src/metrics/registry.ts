/**
 * The metric registry, the same shape as the method registry (src/methods/registry.ts):
 * every descriptor in catalog.ts (plus any registered at run time), found by name or
 * alias ignoring case, '-', '_' and spaces, listed by family (METRIC_FAMILY_ORDER), then
 * `order`, then name, with options resolved against their schema.
 */
import { UsageError } from '../errors.js';
import { namedRegistry } from '../methods/namedRegistry.js';
import { resolveOptions, type ResolvedOptions } from '../methods/options.js';
import * as catalog from './catalog.js';
import { METRIC_FAMILY_ORDER, type AnyMetricDescriptor } from './descriptor.js';

const registry = namedRegistry(
  'metrics',
  () => Object.values(catalog) as AnyMetricDescriptor[],
  (a, b) =>
    METRIC_FAMILY_ORDER.indexOf(a.family) - METRIC_FAMILY_ORDER.indexOf(b.family) || (a.order ?? 100) - (b.order ?? 100) || a.name.localeCompare(b.name),
);

export function listMetrics(): AnyMetricDescriptor[] {
  return registry.list();
}

/** Add a metric at run time (a plug-in, a test); returns a function removing it. */
export function registerMetric(d: AnyMetricDescriptor): () => void {
  return registry.register(d);
}

export function findMetric(name: string): AnyMetricDescriptor | undefined {
  return registry.find(name);
}

export function getMetric(name: string): AnyMetricDescriptor {
  const d = findMetric(name);
  if (!d) {
    const known = listMetrics().map((m) => m.name);
    throw new UsageError(`unknown metric '${name}' (known: ${known.length ? known.join(', ') : 'none registered yet'}); 'saliency methods' lists them`);
  }
  return d;
}

export function metricOptions(d: AnyMetricDescriptor, given: Record<string, unknown> = {}): ResolvedOptions {
  return resolveOptions(d.options, given, d.name);
}

export function metricCost(d: AnyMetricDescriptor, n: number, options: ResolvedOptions, inputShape: readonly number[]): number {
  return d.cost(n, options, inputShape);
}
