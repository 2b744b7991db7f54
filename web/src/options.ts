/** The chosen method's options, as controls built from its catalogue entry (kind, choices, default). */
import type { CatalogueEntry } from '../../src/app/catalogue.js';
import { $, el } from './draw.js';

export function renderOptions(m: CatalogueEntry): void {
  const box = $('options');
  box.replaceChildren();
  for (const o of m.options) {
    const id = `opt-${o.key}`;
    const label = el('label', { for: id, title: o.description }, o.flag.slice(2));
    let input: HTMLInputElement | HTMLSelectElement;
    if (o.choices) {
      input = el('select', { id });
      for (const c of o.choices) input.append(el('option', { value: c }, c));
    } else {
      input = el('input', { id, type: o.kind === 'boolean' ? 'checkbox' : 'text' });
      if (o.kind === 'boolean') (input as HTMLInputElement).checked = o.default === true;
    }
    if (o.kind !== 'boolean') input.value = o.key === 'steps' && m.name === 'ig' ? '50' : String(o.default);
    input.dataset.flag = o.flag.slice(2);
    const row = el('div', { class: 'option' });
    row.append(label, input);
    box.append(row);
  }
  $('baseline-row').hidden = !m.needs['baseline'];
}

/** The options as CLI flags (by flag name). */
export function flags(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const i of $('options').querySelectorAll<HTMLInputElement | HTMLSelectElement>('[data-flag]')) {
    const v = i instanceof HTMLInputElement && i.type === 'checkbox' ? String(i.checked) : i.value.trim();
    if (v !== '') out[i.dataset.flag!] = v;
  }
  return out;
}
