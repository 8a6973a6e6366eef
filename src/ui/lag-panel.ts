/**
 * The tester's lag panel: sliders (with number boxes) for latency, jitter, loss, duplication and
 * reordering. It emits plain `LagSettings` through a callback; the caller applies them to the lag
 * injector (they are the required knobs of the transport's `LinkConditions`, so they can be passed
 * as-is). URL parameters (`?lag=120&jitter=30&loss=0.05`) set the initial values via the transport's
 * `linkConditionsFromSearchParams`.
 *
 * When the caller passes `smoothing`, the panel also shows a "Smooth corrections" checkbox (render-side
 * blending of rollback corrections, see render/smoother.ts; `?smooth=0` starts with it off).
 */
import { LINK_RANGES, type LinkConditions } from '../transport/link-model.ts';
import { h } from './dom.ts';

/** The knobs the panel edits (ms for times, probabilities 0..1 for the rest). */
export type LagSettings = Pick<LinkConditions, 'latencyMs' | 'jitterMs' | 'loss' | 'duplicate' | 'reorder'>;

/** No added lag. */
export const NO_LAG: LagSettings = { latencyMs: 0, jitterMs: 0, loss: 0, duplicate: 0, reorder: 0 };

/** One slider's definition. */
interface Knob {
  readonly key: keyof LagSettings;
  readonly label: string;
  readonly max: number;
  readonly step: number;
  /** Shown value = stored value * factor (percentages for probabilities). */
  readonly factor: number;
  readonly unit: string;
}

const KNOBS: readonly Knob[] = [
  { key: 'latencyMs', label: 'Latency', max: 500, step: 5, factor: 1, unit: 'ms' },
  { key: 'jitterMs', label: 'Jitter', max: 200, step: 1, factor: 1, unit: 'ms' },
  { key: 'loss', label: 'Loss', max: 50, step: 0.5, factor: 100, unit: '%' },
  { key: 'duplicate', label: 'Duplicate', max: 50, step: 0.5, factor: 100, unit: '%' },
  { key: 'reorder', label: 'Reorder', max: 50, step: 0.5, factor: 100, unit: '%' },
];

/** Clamps and rounds a shown value typed by a tester into a stored value (NaN becomes 0). */
export function settingFromShown(key: keyof LagSettings, shown: number): number {
  const knob = KNOBS.find((k) => k.key === key);
  if (knob === undefined) throw new Error(`unknown knob ${key}`);
  // The number box accepts more than the slider shows (e.g. 2000 ms), within the transport's ranges.
  const hardMax = LINK_RANGES[key].max * knob.factor;
  const v = Number.isFinite(shown) ? Math.min(hardMax, Math.max(0, shown)) : 0;
  return knob.factor === 1 ? Math.round(v) : Math.round(v * 10) / 10 / knob.factor;
}

/** Options of `createLagPanel`. */
export interface LagPanelOptions {
  readonly initial?: LagSettings;
  /** Called with the full settings after every change. */
  readonly onChange: (settings: LagSettings) => void;
  /** Shows the "Smooth corrections" checkbox with this initial value and change callback. */
  readonly smoothing?: { readonly initial: boolean; readonly onChange: (on: boolean) => void };
}

/** A mounted lag panel. */
export interface LagPanel {
  readonly element: HTMLElement;
  /** Current settings. */
  readonly settings: LagSettings;
  /** Replaces the settings shown (does not call `onChange`). */
  set(settings: LagSettings): void;
  destroy(): void;
}

/** Mounts the panel into `host`. */
export function createLagPanel(host: HTMLElement, options: LagPanelOptions): LagPanel {
  let settings: LagSettings = { ...(options.initial ?? NO_LAG) };
  const rows = KNOBS.map((knob) => {
    const id = `lag-${knob.key}`;
    const range = h('input', { type: 'range', id, min: 0, max: knob.max, step: knob.step, 'data-knob': knob.key });
    const number = h('input', { type: 'number', min: 0, step: knob.step, 'aria-label': `${knob.label} (${knob.unit})`, 'data-knob-number': knob.key });
    const row = h('div', { class: 'lag-row' }, h('label', { for: id, text: knob.label }), range, number, h('span', { class: 'lag-unit', text: knob.unit }));
    const commit = (shown: number): void => {
      settings = { ...settings, [knob.key]: settingFromShown(knob.key, shown) };
      show();
      options.onChange(settings);
    };
    range.addEventListener('input', () => commit(range.valueAsNumber));
    number.addEventListener('change', () => commit(number.valueAsNumber));
    return { knob, range, number, row };
  });
  const reset = h('button', { type: 'button', class: 'lag-reset', text: 'No lag' });
  reset.addEventListener('click', () => {
    settings = { ...NO_LAG };
    show();
    options.onChange(settings);
  });
  const extra: HTMLElement[] = [];
  const smoothing = options.smoothing;
  if (smoothing !== undefined) {
    const box = h('input', { type: 'checkbox', id: 'lag-smooth', 'data-testid': 'smooth-corrections' });
    box.checked = smoothing.initial;
    box.addEventListener('change', () => smoothing.onChange(box.checked));
    extra.push(h('div', { class: 'lag-row lag-check' }, box, h('label', { for: 'lag-smooth', text: 'Smooth corrections' })));
  }
  const element = h('section', { class: 'lag-panel', 'aria-label': 'lag injection', 'data-testid': 'lag-panel' },
    h('h3', { text: 'Lag injection' }), ...rows.map((r) => r.row), ...extra, reset);
  host.append(element);

  function show(): void {
    for (const { knob, range, number } of rows) {
      const shown = Math.round(settings[knob.key] * knob.factor * 10) / 10;
      range.value = String(Math.min(knob.max, shown));
      number.value = String(shown);
    }
  }
  show();

  return {
    element,
    get settings() {
      return settings;
    },
    set(next: LagSettings): void {
      settings = { ...next };
      show();
    },
    destroy(): void {
      element.remove();
    },
  };
}
