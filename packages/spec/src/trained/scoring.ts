import type { Graph } from '../ir/ir.js';
import { compareTensors, type Dtype, type ErrorModel, errorModel } from '../reference/tolerance.js';

/**
 * Accuracy parity: a backend's logits for real images against PyTorch's float64 logits.
 *
 * Each image's logits are compared under the tolerance policy (budget from that image's logits).
 * When every logit is within its budget, two classes can only swap places if PyTorch's own top-1
 * minus top-2 margin is at most twice the budget (each of the two logits may move by one budget).
 * A disagreement on top-1 is therefore explained only when margin <= 2 * budget; any other
 * disagreement means the backend computed something else.
 */

export interface Disagreement {
  /** Index in the test set. */
  readonly index: number;
  readonly label: number;
  /** The backend's top-1 class (-1 when its logits are all NaN). */
  readonly backend: number;
  /** PyTorch's top-1 class. */
  readonly reference: number;
  /** PyTorch's top-1 minus top-2 logit. */
  readonly margin: number;
  /** The per-logit tolerance budget of this image. */
  readonly budget: number;
  /** margin <= 2 * budget: a flip the tolerance allows. */
  readonly explained: boolean;
}

export interface AccuracySummary {
  readonly images: number;
  /** Backend top-1 equal to the label. */
  readonly correct: number;
  /** PyTorch top-1 equal to the label, on the same images. */
  readonly referenceCorrect: number;
  /** Backend top-1 equal to PyTorch's top-1. */
  readonly agree: number;
  readonly disagreements: readonly Disagreement[];
  /** Worst logit error as a fraction of its image's budget (Infinity on NaN/Inf mismatches). */
  readonly worstFraction: number;
  /** Test-set index of the image with the worst fraction (-1 before any image). */
  readonly worstIndex: number;
  /** Images whose logits are outside the budget. */
  readonly outOfBudget: number;
}

/** The index of the largest finite value (-1 when there is none) and the gap to the runner-up. */
export function top2(values: ArrayLike<number>): { top: number; margin: number } {
  let top = -1;
  let second = -1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) continue;
    if (top < 0 || v > values[top]!) {
      second = top;
      top = i;
    } else if (second < 0 || v > values[second]!) {
      second = i;
    }
  }
  const margin = top >= 0 && second >= 0 ? values[top]! - values[second]! : Number.POSITIVE_INFINITY;
  return { top, margin };
}

/** Adds images one batch at a time; summary() says where the backend stands. */
export class AccuracyTally {
  private readonly model: ErrorModel;
  private images = 0;
  private correct = 0;
  private referenceCorrect = 0;
  private agree = 0;
  private worstFraction = 0;
  private worstIndex = -1;
  private outOfBudget = 0;
  private readonly disagreements: Disagreement[] = [];

  constructor(
    graph: Graph,
    private readonly dtype: Dtype,
    private readonly classes: number,
  ) {
    this.model = errorModel(graph);
  }

  /**
   * `actual` and `expected` hold `labels.length` rows of `classes` logits; the first row is test
   * image `firstIndex`.
   */
  add(
    actual: ArrayLike<number>,
    expected: ArrayLike<number>,
    labels: ArrayLike<number>,
    firstIndex: number,
  ): void {
    const k = this.classes;
    if (actual.length !== labels.length * k || expected.length < labels.length * k) {
      throw new RangeError(
        `expected ${labels.length} x ${k} logits, got ${actual.length} from the backend and ${expected.length} from PyTorch`,
      );
    }
    const slice = (a: ArrayLike<number>, i: number) => Array.prototype.slice.call(a, i * k, (i + 1) * k);
    for (let i = 0; i < labels.length; i++) {
      const got = slice(actual, i) as number[];
      const want = slice(expected, i) as number[];
      const c = compareTensors(got, want, this.dtype, this.model);
      const index = firstIndex + i;
      if (!c.pass) this.outOfBudget++;
      if (c.fraction > this.worstFraction || this.worstIndex < 0) {
        this.worstFraction = c.fraction;
        this.worstIndex = index;
      }
      const mine = top2(got).top;
      const ref = top2(want);
      const label = labels[i]!;
      this.images++;
      if (mine === label) this.correct++;
      if (ref.top === label) this.referenceCorrect++;
      if (mine === ref.top) this.agree++;
      else {
        this.disagreements.push({
          index,
          label,
          backend: mine,
          reference: ref.top,
          margin: ref.margin,
          budget: c.budget,
          explained: ref.margin <= 2 * c.budget,
        });
      }
    }
  }

  summary(): AccuracySummary {
    return {
      images: this.images,
      correct: this.correct,
      referenceCorrect: this.referenceCorrect,
      agree: this.agree,
      disagreements: [...this.disagreements],
      worstFraction: this.worstFraction,
      worstIndex: this.worstIndex,
      outOfBudget: this.outOfBudget,
    };
  }
}

/** What is wrong with a summary, or undefined when it passes (every logit in budget, every flip explained). */
export function accuracyProblem(s: AccuracySummary): string | undefined {
  const unexplained = s.disagreements.filter((d) => !d.explained);
  const parts: string[] = [];
  if (s.outOfBudget) {
    parts.push(
      `${s.outOfBudget} of ${s.images} images have logits outside the tolerance budget (worst ${formatFraction(s.worstFraction)} of budget, image ${s.worstIndex})`,
    );
  }
  if (unexplained.length) {
    const shown = unexplained
      .slice(0, 5)
      .map(
        (d) =>
          `image ${d.index}: backend says ${d.backend}, PyTorch ${d.reference} with margin ${d.margin.toExponential(2)} > 2 x budget ${d.budget.toExponential(2)}`,
      );
    parts.push(
      `${unexplained.length} top-1 disagreements the tolerance does not explain (${shown.join('; ')})`,
    );
  }
  return parts.length ? parts.join('; ') : undefined;
}

export function formatFraction(f: number): string {
  return Number.isFinite(f) ? `${(100 * f).toPrecision(3)}%` : 'non-finite';
}
