/**
 * Player colours: four hues from the Okabe-Ito palette, chosen to stay distinct under the common
 * forms of colour blindness (deuteranopia, protanopia, tritanopia) and on a dark background.
 * Each player also has a side name, so colour is never the only cue.
 */

/** One player's colour as a 24-bit number (for pixi) and a CSS string (for the DOM). */
export interface PlayerColour {
  readonly hex: number;
  readonly css: string;
  /** Human name of the colour, for labels and screen readers. */
  readonly name: string;
}

/** Colours of players 0..3 (orange, sky blue, bluish green, reddish purple). */
export const PLAYER_COLOURS: readonly PlayerColour[] = [
  { hex: 0xe69f00, css: '#e69f00', name: 'orange' },
  { hex: 0x56b4e9, css: '#56b4e9', name: 'sky blue' },
  { hex: 0x009e73, css: '#009e73', name: 'green' },
  { hex: 0xcc79a7, css: '#cc79a7', name: 'pink' },
];

/** Side names of players 0..3 (player i defends side i). */
export const SIDE_NAMES = ['left', 'right', 'top', 'bottom'] as const;

/** The colour of a player (wraps around for out-of-range indices, never undefined). */
export function playerColour(player: number): PlayerColour {
  const c = PLAYER_COLOURS[((player % 4) + 4) % 4];
  if (c === undefined) throw new Error('unreachable: palette has 4 entries');
  return c;
}

/** Display name of a player: the given name, or "Player N" when absent or blank. */
export function playerName(names: readonly string[] | undefined, player: number): string {
  const n = names?.[player]?.trim();
  return n !== undefined && n.length > 0 ? n : `Player ${player + 1}`;
}

/** Shared theme colours of the canvas. */
export const THEME = {
  background: 0x10141c,
  arena: 0x161c28,
  wall: 0x8a94a8,
  ball: 0xf4f4f4,
  text: 0xf4f4f4,
  dim: 0x0b0e14,
} as const;
