/**
 * Option schemas (descriptor.ts) at work: the CLI flag of an option, a value parsed from
 * a flag's text or checked from a library object, defaults filled in. Every error is a
 * UsageError naming the flag, what it takes, the range and a value that works. Shared
 * by the method and metric registries.
 */
import { UsageError } from '../errors.js';
import type { OptionSchema, OptionSpec } from './descriptor.js';

/** A resolved option value ('auto' for auto integers). */
export type OptionScalar = string | number | boolean;
export type ResolvedOptions = Record<string, OptionScalar>;

/** Names compared ignoring case, '-', '_', spaces (and '×', as in 'Input×Gradient'). */
export function normaliseName(text: string): string {
  return text.toLowerCase().replace(/[-_\s×*]/g, '');
}

/** The option's CLI flag without dashes: `spec.flag`, else the key in kebab case (batchSize -> batch-size). */
export function flagName(key: string, spec: OptionSpec): string {
  return (spec.flag ?? key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)).replace(/^-+/, '');
}

/** What a value of the spec looks like, for messages and --help: 'a positive integer or 'auto''. */
export function expectation(spec: OptionSpec): string {
  switch (spec.kind) {
    case 'integer':
    case 'number': {
      const word = spec.kind === 'integer' ? 'integer' : 'number';
      const exclusive = spec.kind === 'number' && spec.exclusiveMin;
      let what = `a ${word}`;
      if (spec.min === 0 && exclusive) what = `a positive ${word}`;
      else if (spec.min === 1 && spec.kind === 'integer') what = `a positive ${word}`;
      else if (spec.min === 0) what = `a non-negative ${word}`;
      return spec.kind === 'integer' && spec.auto ? `${what} or 'auto'` : what;
    }
    case 'boolean':
      return 'true or false';
    case 'choice':
      return `one of ${spec.choices.join(', ')}`;
    case 'string':
      return 'a text';
  }
}

/** '1 to 100000', '> 0', '' when unbounded. */
export function rangeText(spec: OptionSpec): string {
  if (spec.kind !== 'integer' && spec.kind !== 'number') return '';
  const exclusive = spec.kind === 'number' && spec.exclusiveMin;
  if (spec.min !== undefined && spec.max !== undefined) return exclusive ? `> ${spec.min} and <= ${spec.max}` : `${spec.min} to ${spec.max}`;
  if (spec.min !== undefined) return `${exclusive ? '>' : '>='} ${spec.min}`;
  if (spec.max !== undefined) return `<= ${spec.max}`;
  return '';
}

function fail(key: string, spec: OptionSpec, owner: string, shown: string): never {
  const flag = `--${flagName(key, spec)}`;
  const range = rangeText(spec);
  throw new UsageError(
    `${flag} must be ${expectation(spec)}, got '${shown}' (${owner ? `${owner}: ` : ''}${range ? `${range}, ` : ''}default ${String(spec.default)}; e.g. ${flag} ${String(spec.default)})`,
  );
}

function inRange(spec: OptionSpec & { kind: 'integer' | 'number' }, v: number): boolean {
  if (!Number.isFinite(v)) return false;
  if (spec.kind === 'integer' && !Number.isInteger(v)) return false;
  if (spec.min !== undefined && (v < spec.min || (spec.kind === 'number' && spec.exclusiveMin && v === spec.min))) return false;
  return spec.max === undefined || v <= spec.max;
}

/** A choice written any way ('Riemann-Trapezoid', an alias) -> its canonical spelling, or undefined. */
function matchChoice(spec: OptionSpec & { kind: 'choice' }, value: string): string | undefined {
  const key = normaliseName(value);
  const alias = Object.entries(spec.aliases ?? {}).find(([a]) => normaliseName(a) === key);
  if (alias) return alias[1];
  return spec.choices.find((c) => normaliseName(c) === key);
}

/** A flag's text -> the option's value ('auto' kept as 'auto'). */
export function parseOptionText(key: string, spec: OptionSpec, text: string, owner = ''): OptionScalar {
  const t = text.trim();
  switch (spec.kind) {
    case 'integer':
    case 'number': {
      if (spec.kind === 'integer' && spec.auto && t.toLowerCase() === 'auto') return 'auto';
      const v = t === '' ? NaN : Number(t);
      if (!inRange(spec, v)) fail(key, spec, owner, text);
      return v;
    }
    case 'boolean': {
      const v = { true: true, yes: true, '1': true, on: true, false: false, no: false, '0': false, off: false }[t.toLowerCase()];
      if (v === undefined) fail(key, spec, owner, text);
      return v!;
    }
    case 'choice': {
      const v = matchChoice(spec, t);
      if (v === undefined) fail(key, spec, owner, text);
      return v!;
    }
    case 'string':
      return text;
  }
}

/** A library value (number, boolean, string; or text, parsed) -> the option's value, checked. */
export function checkOptionValue(key: string, spec: OptionSpec, value: unknown, owner = ''): OptionScalar {
  if (typeof value === 'string' && spec.kind !== 'string') return parseOptionText(key, spec, value, owner);
  const ok =
    ((spec.kind === 'integer' || spec.kind === 'number') && typeof value === 'number' && inRange(spec, value)) ||
    (spec.kind === 'boolean' && typeof value === 'boolean') ||
    (spec.kind === 'string' && typeof value === 'string');
  if (!ok) fail(key, spec, owner, String(value));
  return value as OptionScalar;
}

/**
 * The full option values of a schema: `given` (flag texts or library values, by key)
 * checked and the rest filled with defaults. Unknown keys are a UsageError.
 */
export function resolveOptions(schema: OptionSchema, given: Record<string, unknown> = {}, owner = ''): ResolvedOptions {
  for (const key of Object.keys(given)) {
    if (given[key] !== undefined && !(key in schema)) {
      const known = Object.keys(schema);
      throw new UsageError(`${owner ? `${owner} has` : 'there is'} no option '${key}' (${known.length ? `options: ${known.join(', ')}` : 'it takes no options'})`);
    }
  }
  const out: ResolvedOptions = {};
  for (const [key, spec] of Object.entries(schema)) {
    const v = given[key];
    out[key] = v === undefined ? spec.default : checkOptionValue(key, spec, v, owner);
  }
  return out;
}

/** The defaults of a schema. */
export function defaultsOf(schema: OptionSchema): ResolvedOptions {
  return Object.fromEntries(Object.entries(schema).map(([k, s]) => [k, s.default]));
}
