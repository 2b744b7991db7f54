/**
 * The method registry: every descriptor listed in catalog.ts (plus any a program
 * registers), found by name or alias ignoring case, '-', '_' and spaces, listed in
 * catalogue order (FAMILY_ORDER, then `order`, then name), with their options resolved
 * from flag texts or library values (defaults from the descriptor, the one place they
 * live) and their cost in model evaluations.
 */
import { UsageError } from '../errors.js';
import * as catalog from './catalog.js';
import { FAMILY_ORDER, FAMILY_TITLES, type AnyMethodDescriptor, type CostContext } from './descriptor.js';
import { namedRegistry } from './namedRegistry.js';
import { resolveOptions, type ResolvedOptions } from './options.js';

function byCatalogueOrder(a: AnyMethodDescriptor, b: AnyMethodDescriptor): number {
  return FAMILY_ORDER.indexOf(a.family) - FAMILY_ORDER.indexOf(b.family) || (a.order ?? 100) - (b.order ?? 100) || a.name.localeCompare(b.name);
}

const registry = namedRegistry('methods', () => Object.values(catalog) as AnyMethodDescriptor[], byCatalogueOrder);

/** Every registered method, in catalogue order. */
export function listMethods(): AnyMethodDescriptor[] {
  return registry.list();
}

/**
 * Add a method at run time (a plug-in, a test); returns a function removing it.
 * Catalogue methods need no call: their line in catalog.ts registers them.
 */
export function registerMethod(d: AnyMethodDescriptor): () => void {
  return registry.register(d);
}

export function findMethod(name: string): AnyMethodDescriptor | undefined {
  return registry.find(name);
}

/**
 * Known names for messages: the gradient and path methods by `order` (the default
 * method, ig, first), then the other families, each by catalogue order.
 */
export function knownMethodsText(): string {
  const all = listMethods();
  const gradientBased = all.filter((d) => d.family === 'gradient' || d.family === 'path');
  gradientBased.sort((a, b) => (a.order ?? 100) - (b.order ?? 100) || byCatalogueOrder(a, b));
  const groups = FAMILY_ORDER.filter((f) => f !== 'gradient' && f !== 'path')
    .map((f) => [f, all.filter((d) => d.family === f)] as const)
    .filter(([, list]) => list.length > 0)
    .map(([f, list]) => `; ${FAMILY_TITLES[f].toLowerCase()}: ${list.map((d) => d.name).join(', ')}`);
  return `(known: ${gradientBased.map((d) => d.name).join(', ')})${groups.join('')}`;
}

/** The descriptor of a name or alias; UsageError listing the known ones otherwise. */
export function getMethod(name: string): AnyMethodDescriptor {
  const d = findMethod(name);
  if (!d) throw new UsageError(`unknown method '${name}' ${knownMethodsText()}; 'saliency methods' lists them with their options`);
  return d;
}

/** A method's CLI name from any of its names. */
export function parseMethod(name: string): string {
  return getMethod(name).name;
}

/**
 * A method's full options: `given` (flag texts or library values, by option key)
 * checked against its schema, the rest its defaults.
 */
export function methodOptions(d: AnyMethodDescriptor, given: Record<string, unknown> = {}): ResolvedOptions {
  return resolveOptions(d.options, given, d.name);
}

/** Model evaluations of a method on n inputs with resolved options. */
export function methodCost(d: AnyMethodDescriptor, n: number, options: ResolvedOptions, context: CostContext): number {
  return d.cost(n, options, context);
}

/** Whether two runs with different seeds can differ. */
export function methodIsRandom(d: AnyMethodDescriptor, options: ResolvedOptions, context: CostContext): boolean {
  return typeof d.random === 'function' ? d.random(options, context) : d.random;
}
