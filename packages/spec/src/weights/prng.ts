/**
 * The seeded generator behind reference weights and inputs. Each parameter gets its own stream,
 * so the value of `layer1.0.conv1.weight` does not depend on which other parameters exist:
 *
 *   stream seed = FNV-1a-32(UTF-8 of `${seed}/${name}`)
 *   next()      = mulberry32 step (Tommy Ettinger), an unsigned 32-bit integer
 *   uniform()   = (next() >>> 8) / 2^24, exactly representable in [0, 1)
 *
 * Both are a handful of 32-bit integer operations, easy to reproduce in any language.
 */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export class Mulberry32 {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform in [0, 1) with 24 bits, exact in float32. */
  uniform(): number {
    return (this.next() >>> 8) / 16777216;
  }

  /** Uniform in [-1, 1). */
  symmetric(): number {
    return 2 * this.uniform() - 1;
  }
}

export function streamFor(seed: number, name: string): Mulberry32 {
  return new Mulberry32(fnv1a32(`${seed >>> 0}/${name}`));
}
