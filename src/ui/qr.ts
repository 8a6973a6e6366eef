/**
 * The QR code beside a lobby's share link (issue #9, item 5): a phone's camera opens the lobby. The
 * code is made by `uqr` (unjs, no dependencies); this file turns its module matrix into one SVG path,
 * built with DOM calls (no markup strings), so nothing in the link can become markup.
 */
import { encode } from 'uqr';

/** Modules of the QR code of `text`, border included (true: dark). Error correction M. */
export function qrModules(text: string): boolean[][] {
  return encode(text, { ecc: 'M', border: 2 }).data;
}

/** One SVG path drawing every dark module as a unit square (`viewBox` = the matrix size). */
export function qrPath(modules: readonly (readonly boolean[])[]): string {
  let d = '';
  for (let y = 0; y < modules.length; y++) {
    const row = modules[y] ?? [];
    for (let x = 0; x < row.length; x++) if (row[x] === true) d += `M${x} ${y}h1v1h-1z`;
  }
  return d;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** The QR code of `text` as an `<svg>` (dark on light, crisp at any size). */
export function qrSvg(text: string, label: string): SVGSVGElement {
  const modules = qrModules(text);
  const n = modules.length;
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', `0 0 ${n} ${n}`);
  svg.setAttribute('shape-rendering', 'crispEdges');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  const background = document.createElementNS(SVG_NS, 'rect');
  background.setAttribute('width', String(n));
  background.setAttribute('height', String(n));
  background.setAttribute('fill', '#fff');
  const path = document.createElementNS(SVG_NS, 'path');
  path.setAttribute('d', qrPath(modules));
  path.setAttribute('fill', '#000');
  svg.append(background, path);
  return svg;
}
