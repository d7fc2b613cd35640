import {
  Counter,
  type CounterConfiguration,
  Histogram,
  type HistogramConfiguration,
  type MetricObjectWithValues,
  type MetricValue,
} from 'prom-client';

/*
 * prom-client's `inc` and `observe` take a labels object and validate and hash it into a string
 * on every call. On `/verify`, whose check costs a few microseconds, its four calls per check
 * (requests, duration, outcome, cache lookup) cost about 6 % of the gateway benchmark's
 * throughput (bench/results/2026-12-05T054712Z-verify-through-gateway.md). The metrics here keep
 * each label set's figures in a slot found through a tree of Maps, one level per label value, so
 * that a call on a label set seen before builds no string and allocates nothing, and hand them to
 * prom-client when the registry collects (a scrape): the exposition stays prom-client's.
 */

/** A label value as the callers have it: status codes as numbers, the rest as strings. */
export type LabelValue = string | number;

/** The deepest tree this supports: every metric of the services has at most three labels. */
const MAX_LABELS = 3;

/** Slots by label values: a tree of Maps, a level per label; each label set has one slot. */
class SlotTree<S> {
  readonly #root = new Map<LabelValue, unknown>();
  /** The same slots by their labels as strings: `200` and `'200'` must share one series. */
  readonly #byLabels = new Map<string, S>();

  constructor(
    private readonly labelNames: readonly string[],
    private readonly make: (labels: Readonly<Record<string, string>>) => S,
  ) {
    if (labelNames.length > MAX_LABELS)
      throw new RangeError(`a slotted metric takes at most ${MAX_LABELS} labels`);
  }

  /** Every slot, for collection. */
  get slots(): IterableIterator<S> {
    return this.#byLabels.values();
  }

  /** The slot of these label values, given in `labelNames` order. */
  find(a?: LabelValue, b?: LabelValue, c?: LabelValue): S {
    const depth = this.labelNames.length;
    let level = this.#root;
    for (let i = 0; i < depth - 1; i++) {
      const value = i === 0 ? a : b;
      let next = level.get(value as LabelValue) as Map<LabelValue, unknown> | undefined;
      if (next === undefined) {
        next = new Map();
        level.set(value as LabelValue, next);
      }
      level = next;
    }
    const last = depth === 1 ? a : depth === 2 ? b : c;
    const slot = level.get(last as LabelValue) as S | undefined;
    if (slot !== undefined) return slot;
    const made = this.#make([a, b, c]);
    level.set(last as LabelValue, made);
    return made;
  }

  clear(): void {
    this.#root.clear();
    this.#byLabels.clear();
  }

  #make(values: readonly (LabelValue | undefined)[]): S {
    const labels: Record<string, string> = {};
    this.labelNames.forEach((name, i) => {
      const value = values[i];
      if (value === undefined) throw new TypeError(`no value for the label ${name}`);
      labels[name] = String(value);
    });
    const key = JSON.stringify(labels);
    const known = this.#byLabels.get(key);
    if (known !== undefined) return known;
    const slot = this.make(labels);
    this.#byLabels.set(key, slot);
    return slot;
  }
}

interface CountSlot {
  readonly labels: Readonly<Record<string, string>>;
  pending: number;
}

/**
 * A prom-client counter with a fast path: {@link count} adds to a label set's slot, and the slots
 * are added to the counter each time it is collected. `inc` still works as prom-client's.
 */
export class SlottedCounter<T extends string = string> extends Counter<T> {
  // not a #private field: prom-client's constructor calls reset() before this class's fields exist
  private tree: SlotTree<CountSlot> | undefined;

  constructor(config: CounterConfiguration<T>) {
    super(config);
    this.tree = new SlotTree(config.labelNames ?? [], (labels) => ({ labels, pending: 0 }));
  }

  /** Adds `by` (default 1) to the series of these label values, given in `labelNames` order. */
  count(a?: LabelValue, b?: LabelValue, c?: LabelValue, by = 1): void {
    (this.tree as SlotTree<CountSlot>).find(a, b, c).pending += by;
  }

  override async get(): Promise<MetricObjectWithValues<MetricValue<T>>> {
    for (const slot of this.tree?.slots ?? []) {
      if (slot.pending === 0) continue;
      this.inc(slot.labels as Partial<Record<T, string>>, slot.pending);
      slot.pending = 0;
    }
    return super.get();
  }

  override reset(): void {
    this.tree?.clear();
    super.reset();
  }
}

interface HistogramSlot {
  readonly labels: Readonly<Record<string, string>>;
  /** Observations per bucket, not cumulative; the last one is above every bound. */
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

/** A sample as prom-client's histograms export it to the registry. */
interface ExportedSample {
  readonly metricName?: string;
  readonly labels: Readonly<Record<string, string | number>>;
  readonly sharedLabels?: Readonly<Record<string, string>>;
  value: number;
}

/** A histogram as prom-client exports it to the registry. */
interface ExportedMetric {
  readonly values: readonly ExportedSample[];
}

/** prom-client's histogram export, which its type declarations leave out. */
const histogramExport = (
  Histogram.prototype as unknown as { getForPromString(this: unknown): Promise<ExportedMetric> }
).getForPromString;

/** prom-client's histogram settings, with the buckets given (the slots need the bounds). */
export type SlottedHistogramConfiguration<T extends string> = HistogramConfiguration<T> & {
  readonly buckets: readonly number[];
};

/**
 * A prom-client histogram with a fast path: {@link observeAt} counts into a label set's slot, and
 * collection exports the slots beside prom-client's own series (merged where a label set has
 * both). `observe` still works as prom-client's.
 */
export class SlottedHistogram<T extends string = string> extends Histogram<T> {
  private tree: SlotTree<HistogramSlot> | undefined;
  private readonly bounds: readonly number[];
  private readonly metricName: string;

  constructor(config: SlottedHistogramConfiguration<T>) {
    super({ ...config, buckets: [...config.buckets] });
    this.metricName = config.name;
    this.bounds = [...config.buckets].sort((x, y) => x - y);
    const buckets = this.bounds.length + 1;
    this.tree = new SlotTree(config.labelNames ?? [], (labels) => ({
      labels,
      counts: new Float64Array(buckets),
      sum: 0,
      count: 0,
    }));
  }

  /** Observes `value` for these label values, given in `labelNames` order. */
  observeAt(value: number, a?: LabelValue, b?: LabelValue, c?: LabelValue): void {
    if (!Number.isFinite(value)) throw new TypeError(`not a finite observation: ${value}`);
    const slot = (this.tree as SlotTree<HistogramSlot>).find(a, b, c);
    const { bounds } = this;
    // le: an observation equal to a bound belongs to that bound's bucket
    let bucket = 0;
    while (bucket < bounds.length && value > (bounds[bucket] as number)) bucket++;
    slot.counts[bucket] = (slot.counts[bucket] as number) + 1;
    slot.sum += value;
    slot.count += 1;
  }

  /**
   * What the registry exposes of this histogram: prom-client's own series, and the slots'. The
   * registry calls this method of prom-client's histograms (its `get()` calls it too), which
   * prom-client's type declarations leave out.
   */
  async getForPromString(): Promise<ExportedMetric> {
    const exported = await histogramExport.call(this);
    const values = [...exported.values];
    const byKey = new Map(values.map((sample) => [seriesKey(sample), sample]));
    const add = (sample: ExportedSample) => {
      const known = byKey.get(seriesKey(sample));
      if (known) known.value += sample.value;
      else values.push(sample);
    };
    const bucket = `${this.metricName}_bucket`;
    // as prom-client exports a series: its own labels (`le`) apart from the label set's
    for (const slot of this.tree?.slots ?? []) {
      const sharedLabels = slot.labels;
      let cumulative = 0;
      this.bounds.forEach((le, i) => {
        cumulative += slot.counts[i] as number;
        add({ metricName: bucket, labels: { le }, sharedLabels, value: cumulative });
      });
      add({ metricName: bucket, labels: { le: '+Inf' }, sharedLabels, value: slot.count });
      add({ metricName: `${this.metricName}_sum`, labels: {}, sharedLabels, value: slot.sum });
      add({ metricName: `${this.metricName}_count`, labels: {}, sharedLabels, value: slot.count });
    }
    return { ...exported, values };
  }

  override reset(): void {
    this.tree?.clear();
    super.reset();
  }
}

/** A series' identity: its name and all its labels, whatever their order. */
function seriesKey(sample: ExportedSample): string {
  const labels = Object.entries({ ...sample.sharedLabels, ...sample.labels })
    .map(([k, v]) => `${k}=${String(v)}`)
    .sort();
  return `${sample.metricName ?? ''}{${labels.join(',')}}`;
}
