// Draws the block diagrams of docs/guide/blocks.md into docs/public/diagrams/*.svg.
// Run: node docs/scripts/diagrams.mjs (generate-data.mjs runs it too).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'public', 'diagrams');

const COLORS = { conv: '#dbeafe', bn: '#dcfce7', relu: '#fef3c7', pool: '#ede9fe', io: '#f1f5f9' };
const kindOf = (label) =>
  /conv/i.test(label)
    ? 'conv'
    : /BN/.test(label)
      ? 'bn'
      : /ReLU/.test(label)
        ? 'relu'
        : /pool/i.test(label)
          ? 'pool'
          : 'io';
const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/**
 * A block: input, main branch boxes (left column), shortcut boxes (right column, may be empty =
 * identity), the addition, then boxes after the addition.
 */
function blockSvg({ title, main, shortcut, after }) {
  const W = 440;
  const boxW = 170;
  const boxH = 30;
  const gap = 14;
  const mainX = 40;
  const skipX = 250;
  const y0 = 56;
  const rows = Math.max(main.length, shortcut.length);
  const addY = y0 + boxH + gap + rows * (boxH + gap) + 10;
  const H = addY + 40 + after.length * (boxH + gap) + boxH + 30;
  const parts = [];
  const box = (x, y, label) => {
    parts.push(
      `<rect x="${x}" y="${y}" width="${boxW}" height="${boxH}" rx="5" fill="${COLORS[kindOf(label)]}" stroke="#64748b"/>`,
    );
    parts.push(`<text x="${x + boxW / 2}" y="${y + 20}" text-anchor="middle">${esc(label)}</text>`);
  };
  const line = (x1, y1, x2, y2) =>
    parts.push(`<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="#334155" marker-end="url(#a)"/>`);
  parts.push(
    `<text x="${W / 2}" y="24" text-anchor="middle" font-weight="600" font-size="14">${esc(title)}</text>`,
  );
  box(mainX + (skipX - mainX) / 2, y0 - 20, 'x');
  const inBottom = y0 - 20 + boxH;
  const cx = mainX + boxW / 2;
  const sx = skipX + boxW / 2;
  const inCx = mainX + (skipX - mainX) / 2 + boxW / 2;
  let y = y0 + boxH + gap;
  line(inCx, inBottom, cx, y);
  main.forEach((label, i) => {
    box(mainX, y, label);
    const next = i + 1 < main.length ? y + boxH + gap : addY;
    line(cx, y + boxH, i + 1 < main.length ? cx : W / 2 - 12, next);
    y = next;
  });
  let sy = y0 + boxH + gap;
  if (shortcut.length) {
    line(inCx, inBottom, sx, sy);
    shortcut.forEach((label, i) => {
      box(skipX, sy, label);
      const next = i + 1 < shortcut.length ? sy + boxH + gap : addY;
      line(sx, sy + boxH, i + 1 < shortcut.length ? sx : W / 2 + 12, next);
      sy = next;
    });
  } else {
    parts.push(
      `<path d="M ${inCx + 40} ${inBottom} C ${W - 20} ${inBottom + 40}, ${W - 20} ${addY - 30}, ${W / 2 + 12} ${addY}" fill="none" stroke="#334155" marker-end="url(#a)"/>`,
    );
    parts.push(
      `<text x="${W - 60}" y="${(inBottom + addY) / 2}" text-anchor="middle" fill="#475569">identity</text>`,
    );
  }
  parts.push(
    `<circle cx="${W / 2}" cy="${addY + 12}" r="12" fill="#fff" stroke="#334155"/><text x="${W / 2}" y="${addY + 17}" text-anchor="middle" font-size="16">+</text>`,
  );
  let ay = addY + 40;
  let prev = addY + 24;
  for (const label of after) {
    line(W / 2, prev, W / 2, ay);
    box(W / 2 - boxW / 2, ay, label);
    prev = ay + boxH;
    ay += boxH + gap;
  }
  line(W / 2, prev, W / 2, ay);
  box(W / 2 - boxW / 2, ay, 'y');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif" font-size="12" fill="#0f172a" role="img">
<title>${esc(title)}</title>
<defs><marker id="a" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#334155"/></marker></defs>
<rect width="100%" height="100%" fill="#fff"/>
${parts.join('\n')}
</svg>
`;
}

const DIAGRAMS = {
  'basic-post': {
    title: 'Basic block, post-activation (ResNet v1)',
    main: ['conv 3x3 / stride s', 'BN', 'ReLU', 'conv 3x3', 'BN'],
    shortcut: [],
    after: ['ReLU'],
  },
  'bottleneck-v15': {
    title: 'Bottleneck v1.5 (torchvision), projection shortcut',
    main: [
      'conv 1x1',
      'BN',
      'ReLU',
      'conv 3x3 / stride s, groups g',
      'BN',
      'ReLU',
      'conv 1x1 (x4 channels)',
      'BN',
    ],
    shortcut: ['conv 1x1 / stride s', 'BN'],
    after: ['ReLU'],
  },
  'bottleneck-v1': {
    title: 'Bottleneck v1 (Keras): stride on the first 1x1',
    main: ['conv 1x1 / stride s', 'BN', 'ReLU', 'conv 3x3', 'BN', 'ReLU', 'conv 1x1 (x4 channels)', 'BN'],
    shortcut: ['conv 1x1 / stride s', 'BN'],
    after: ['ReLU'],
  },
  avgdown: {
    title: 'ResNet-D shortcut (avgdown)',
    main: ['conv 1x1', 'BN', 'ReLU', 'conv 3x3 / stride 2', 'BN', 'ReLU', 'conv 1x1', 'BN'],
    shortcut: ['AvgPool 2x2 / stride 2 (ceil)', 'conv 1x1 / stride 1', 'BN'],
    after: ['ReLU'],
  },
  preact: {
    title: 'Full pre-activation (ResNet v2)',
    main: ['BN', 'ReLU', 'conv 3x3 / stride s', 'BN', 'ReLU', 'conv 3x3'],
    shortcut: [],
    after: [],
  },
  'bn-after-add': {
    title: 'BN after addition',
    main: ['conv 3x3', 'BN', 'ReLU', 'conv 3x3'],
    shortcut: [],
    after: ['BN', 'ReLU'],
  },
  'relu-before-add': {
    title: 'ReLU before addition',
    main: ['conv 3x3', 'BN', 'ReLU', 'conv 3x3', 'BN', 'ReLU'],
    shortcut: [],
    after: [],
  },
  'relu-only-preact': {
    title: 'ReLU-only pre-activation',
    main: ['ReLU', 'conv 3x3', 'BN', 'ReLU', 'conv 3x3', 'BN'],
    shortcut: [],
    after: [],
  },
};

export function drawDiagrams() {
  mkdirSync(out, { recursive: true });
  for (const [name, d] of Object.entries(DIAGRAMS)) writeFileSync(join(out, `${name}.svg`), blockSvg(d));
  return Object.keys(DIAGRAMS);
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(drawDiagrams().join('\n'));
