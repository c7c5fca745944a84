import { beforeAll, describe, expect, it } from 'vitest';
import { type Result, resblocks, tempDir } from './spawn.js';

interface Listed {
  id: string;
  available: boolean;
  device: string | null;
  reason: string | null;
  recommended: boolean;
}

interface Row {
  backend: string;
  verified: boolean | null;
  chosen: boolean;
  reason: string | null;
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

describe('resblocks backends --measure', () => {
  const cache = tempDir();
  const env = { XDG_CACHE_HOME: cache };
  const args = ['backends', '--measure', '--model', 'resnet8_cifar', '--size', '16'];

  // A corrupt or stale cached decision is covered by @resblocks/conformance's tests.
  it('verifies and times every backend, prints the table and caches the choice', async () => {
    const r = await resblocks([...args, '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { chosen: string; fromCache: boolean; rows: Row[] };
    expect(doc.fromCache).toBe(false);
    const chosen = doc.rows.filter((x) => x.chosen);
    expect(chosen.map((x) => x.backend)).toEqual([doc.chosen]);
    expect(chosen[0]).toMatchObject({ verified: true, reason: null });
    expect(doc.chosen.startsWith('reference:')).toBe(false);
    // Every other backend says why it was not chosen.
    expect(doc.rows.filter((x) => !x.chosen && !x.reason)).toEqual([]);
    expect(r.stderr).toMatch(/measure: verifying /);
    const again = await resblocks(args, { env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(
      /│ backend\s+│ device\s+│ verified │ compile ms │ median ms │ runs │ why not chosen/,
    );
    expect(again.stdout).toContain(`chosen here: ${doc.chosen} (* above)`);
    expect(again.stdout).toMatch(/cache: used the decision measured/);
  }, 240_000);

  it('takes the measure options only with --measure', async () => {
    const r = await resblocks(['backends', '--model', 'resnet18']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--model needs --measure');
  });
});
