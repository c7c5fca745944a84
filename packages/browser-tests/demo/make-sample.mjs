// Draws demo/sample.png (a small synthetic scene: sky, sun, hills, a red box) so the demo ships
// its own image. Run: node demo/make-sample.mjs
import { writeFileSync } from 'node:fs';
import { PNG } from 'pngjs';

const size = 160;
const png = new PNG({ width: size, height: size });
for (let y = 0; y < size; y++) {
  for (let x = 0; x < size; x++) {
    const t = y / size;
    let rgb = [90 + 80 * t, 150 + 60 * t, 235];
    const hill = 110 + 18 * Math.sin(x / 17) + 8 * Math.cos(x / 7);
    if (y > hill) rgb = [40 + 30 * Math.sin(x / 5 + y / 9), 130 + (40 * ((x * y) % 7)) / 7, 50];
    if ((x - 118) ** 2 + (y - 38) ** 2 < 17 ** 2) rgb = [255, 214, 60];
    if (x > 30 && x < 72 && y > 78 && y < 124) rgb = [200, 40 + (y - 78), 35];
    const i = (y * size + x) * 4;
    png.data[i] = rgb[0];
    png.data[i + 1] = rgb[1];
    png.data[i + 2] = rgb[2];
    png.data[i + 3] = 255;
  }
}
writeFileSync(new URL('./sample.png', import.meta.url), PNG.sync.write(png));
