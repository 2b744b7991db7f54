/**
 * A registry of named descriptors (methods, metrics): a fixed catalogue plus entries
 * registered at run time, listed in a given order and found by name or alias ignoring
 * case, '-', '_' and spaces (normaliseName).
 */
import { normaliseName } from './options.js';

export interface Named {
  readonly name: string;
  readonly aliases: readonly string[];
}

export interface NamedRegistry<D extends Named> {
  /** Every entry, sorted by the registry's order. */
  list(): D[];
  /** Add an entry at run time; returns a function removing it. Throws on a name clash. */
  register(d: D): () => void;
  find(name: string): D | undefined;
}

/** `kind` names the entries in the clash message ('methods', 'metrics'). */
export function namedRegistry<D extends Named>(kind: string, catalogue: () => D[], order: (a: D, b: D) => number): NamedRegistry<D> {
  const extra: D[] = [];
  const list = (): D[] => [...catalogue(), ...extra].sort(order);

  /** Name and alias keys -> entry; throws when two entries claim one name. */
  function index(): Map<string, D> {
    const map = new Map<string, D>();
    for (const d of list()) {
      for (const name of [d.name, ...d.aliases]) {
        const key = normaliseName(name);
        const other = map.get(key);
        if (other && other !== d) throw new Error(`${kind} '${other.name}' and '${d.name}' both claim the name '${name}'`);
        map.set(key, d);
      }
    }
    return map;
  }

  return {
    list,
    register(d) {
      extra.push(d);
      try {
        index();
      } catch (e) {
        extra.pop();
        throw e;
      }
      return () => {
        const i = extra.indexOf(d);
        if (i >= 0) extra.splice(i, 1);
      };
    },
    find: (name) => index().get(normaliseName(name)),
  };
}
