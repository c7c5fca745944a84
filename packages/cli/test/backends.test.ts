import { beforeAll, describe, expect, it } from 'vitest';
import { type Result, resblocks } from './spawn.js';

interface Listed {
  id: string;
  available: boolean;
  device: string | null;
  reason: string | null;
  recommended: boolean;
}

let json: Result;
let text: Result;

// Probing every backend starts every GPU runtime, which is slow on a software GPU: both at once.
beforeAll(async () => {
  [json, text] = await Promise.all([resblocks(['backends', '--json']), resblocks(['backends'])]);
}, 240_000);

describe('resblocks backends', () => {
  it('lists the reference and recommends a backend that can run', () => {
    expect(json.code, json.stderr).toBe(0);
    expect(text.code, text.stderr).toBe(0);
    const listed = JSON.parse(json.stdout) as { backends: Listed[]; recommended: string | null };
    expect(text.stdout).toMatch(/reference:float64\s+│ cpu\s+│ cpu\s+│ yes/);
    const recommended = listed.backends.filter((b) => b.recommended);
    expect(recommended.map((b) => b.id)).toEqual(listed.recommended ? [listed.recommended] : []);
    if (listed.recommended) {
      expect(recommended[0]!.available).toBe(true);
      expect(listed.recommended.startsWith('reference:')).toBe(false);
      expect(text.stdout).toContain(`recommended here: ${listed.recommended}`);
      expect(text.stdout).toMatch(new RegExp(`│ ${listed.recommended} \\*\\s+│`));
    } else {
      expect(text.stdout).toContain('recommended here: none');
    }
    for (const b of listed.backends) {
      expect(text.stdout).toContain(b.id);
      if (!b.available) expect(b.reason).toBeTruthy();
    }
  });
});
