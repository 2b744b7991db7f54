/**
 * Method option flags generated from the registry: one flag per option name across
 * every registered method (`--steps`, `--quadrature`, `--samples` ...); options of
 * several methods with the same flag share it, each method keeping its own default.
 * A new method's options appear here, in `--help` and in `saliency methods` by themselves;
 * an option that would take a verb's flag gets '--<method>-<flag>' (app/plan.ts optionFlag).
 */
import { Option, type Command } from 'commander';
import type { OptionSpec } from '../methods/descriptor.js';
import { listMethods } from '../methods/registry.js';
import { optionFlag, type FlagValues } from '../app/plan.js';
import { UsageError } from '../app/errors.js';

interface FlagUse {
  method: string;
  key: string;
  spec: OptionSpec;
}

/** Every method option flag, with the methods using it. */
export function methodFlags(): Map<string, FlagUse[]> {
  const flags = new Map<string, FlagUse[]>();
  for (const d of listMethods()) {
    for (const [key, spec] of Object.entries(d.options as Record<string, OptionSpec>)) {
      const flag = optionFlag(d, key, spec);
      const uses = flags.get(flag) ?? [];
      uses.push({ method: d.name, key, spec });
      flags.set(flag, uses);
    }
  }
  return flags;
}

function placeholder(spec: OptionSpec): string {
  switch (spec.kind) {
    case 'integer':
      return spec.auto ? '<n|auto>' : '<n>';
    case 'number':
      return '<x>';
    case 'choice':
      return '<name>';
    case 'boolean':
      return '[bool]';
    case 'string':
      return '<text>';
  }
}

/** One part per distinct (description, choices, default), naming every method that shares it. */
function help(uses: FlagUse[]): string {
  const parts = new Map<string, string[]>();
  for (const u of uses) {
    const choices = u.spec.kind === 'choice' ? `: ${u.spec.choices.join(', ')}` : '';
    const text = `${u.spec.description}${choices} (default ${String(u.spec.default)})`;
    parts.set(text, [...(parts.get(text) ?? []), u.method]);
  }
  return [...parts].map(([text, methods]) => `${methods.join(', ')}: ${text}`).join('; ');
}

const camel = (flag: string) => flag.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** Add every method option flag to a command. */
export function addMethodFlags(cmd: Command): Command {
  for (const [flag, uses] of methodFlags()) cmd.addOption(new Option(`--${flag} ${placeholder(uses[0].spec)}`, help(uses)));
  return cmd;
}

/** The method flags a command received, by flag name (booleans given bare are true). */
export function methodFlagValues(opts: Record<string, unknown>): FlagValues {
  const out: FlagValues = {};
  for (const flag of methodFlags().keys()) {
    const v = opts[camel(flag)];
    if (v !== undefined) out[flag] = v as string | boolean;
  }
  return out;
}

/** A verb's whole-number flag (`--limit 20`): undefined when not given, a usage error (exit 2) unless a positive integer. */
export function positiveInteger(flag: string, v: string | number | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${flag} must be a positive integer, got '${v}'`);
  return n;
}

/** A flag naming a count from 0 (a class index: `--spurious-class 0`): undefined when not given, a usage error (exit 2) unless a whole number >= 0. */
export function nonNegativeInteger(flag: string, v: string | number | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v === 'string' && v.trim() === '') throw new UsageError(`--${flag} must be a whole number >= 0, got '${v}'`);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${flag} must be a whole number >= 0, got '${v}'`);
  return n;
}
