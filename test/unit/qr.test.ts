// The share link's QR code decodes back to the link (issue #9, item 5): the module matrix `uqr` makes,
// drawn the way `qrPath` draws it, read by an independent decoder (jsQR).
import jsQR from 'jsqr';
import { describe, expect, it } from 'vitest';
import { qrModules, qrPath } from '../../src/ui/qr.ts';

/** RGBA pixels of the path's squares, `scale` pixels per module. */
function pixelsOf(modules: readonly (readonly boolean[])[], scale: number): { data: Uint8ClampedArray; size: number } {
  const n = modules.length;
  const size = n * scale;
  const data = new Uint8ClampedArray(size * size * 4).fill(255);
  // Parse the path back (M x y h1v1h-1z per dark module): what is drawn, not the matrix itself.
  for (const m of qrPath(modules).matchAll(/M(\d+) (\d+)h1v1h-1z/g)) {
    const [x, y] = [Number(m[1]), Number(m[2])];
    for (let py = y * scale; py < (y + 1) * scale; py++) {
      for (let px = x * scale; px < (x + 1) * scale; px++) data.fill(0, (py * size + px) * 4, (py * size + px) * 4 + 3);
    }
  }
  return { data, size };
}

describe('share link QR code', () => {
  it.each([
    'http://127.0.0.1:8080/lobby/AbCdEfGhIjKlMnOpQrStUv',
    'https://pong.example.org/lobby/0123456789abcdefghij_-?watch=1',
  ])('decodes to the link: %s', (link) => {
    const modules = qrModules(link);
    expect(modules.length).toBeGreaterThan(20);
    const { data, size } = pixelsOf(modules, 4);
    expect(jsQR(data, size, size)?.data).toBe(link);
  });

  it('the path draws exactly the dark modules', () => {
    const modules = qrModules('http://127.0.0.1:8080/lobby/AbCdEfGhIjKlMnOpQrStUv');
    const dark = modules.flat().filter(Boolean).length;
    expect(qrPath(modules).match(/M/g)?.length).toBe(dark);
  });
});
