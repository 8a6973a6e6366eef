/**
 * Player names: what may be a name, and when two names clash.
 *
 * A name is shown to other players as the identity of a member, so a look-alike must not pass:
 * - NFKC folding first (fullwidth "Ａｌｉｃｅ", ligatures and compatibility forms become plain text);
 * - no control, format, private-use, unassigned or default-ignorable (invisible) code points, except
 *   the zero-width joiner and the emoji variation selectors that emoji sequences need;
 * - at most two combining marks on one base character (no "Zalgo" text drawn over its neighbours);
 * - one script per name (UTS #39 "highly restrictive": Latin may mix with Han + kana, Han + Hangul
 *   or Han + Bopomofo, nothing else), so "Аlice" with a Cyrillic А is refused;
 * - names clash on a skeleton (`nameKey`): look-alike capitals mapped to Latin capitals, then
 *   case-folded, with the Cyrillic and Greek letters that look like Latin ones mapped to them (and
 *   Latin look-alikes: dotless ı, ɑ, ǀ, "rn" for "m"), so an all-Cyrillic "Аsе"-style copy of "Ace",
 *   an all-Greek "ΜΙΚΕ" of "MIKE", or "Alıce", is `name-taken`.
 * Compact on purpose: a full confusables table (the `confusables` data of UTS #39) weighs ~100 KiB in
 * the browser bundle, and within a 4-member lobby the script rule plus this skeleton covers the
 * look-alikes that matter (Latin/Cyrillic/Greek homoglyphs).
 */

/** Longest name, in code points after folding and trimming. */
export const MAX_NAME_CHARS = 20;

/** A value or an expected failure (same shape as `Result` in protocol.ts). */
type NameResult = { readonly ok: true; readonly value: string } | { readonly ok: false; readonly error: string };

// Control, unassigned, private-use and lone-surrogate code points, and format characters other than
// the zero-width joiner (emoji sequences): they render invisibly or reorder text (bidi overrides).
const UNPRINTABLE = /[\p{Cc}\p{Cn}\p{Co}\p{Cs}]|(?!\u200d)\p{Cf}/u;
// Blank-looking letters and symbols (Hangul fillers, braille blank) and every default-ignorable code
// point but ZWJ and VS15/VS16 (tag characters, other variation selectors, the grapheme joiner...).
const INVISIBLE = /\u2800|\u3164|\u115f|\u1160|\uffa0|(?!\u200d|\ufe0e|\ufe0f)\p{Default_Ignorable_Code_Point}/u;
// Any separator but the plain space (NFKC has already turned no-break and ideographic spaces into it).
const ODD_SPACE = /(?! )[\p{Z}]/u;
const MARK = /\p{M}/u;
const LETTER = /[\p{L}\p{N}]/u;

/** Scripts a name's letters are sorted into; a letter of none of them counts as its own "Other". */
const SCRIPTS = [
  ['Latin', /\p{Script=Latin}/u], ['Cyrillic', /\p{Script=Cyrillic}/u], ['Greek', /\p{Script=Greek}/u],
  ['Armenian', /\p{Script=Armenian}/u], ['Georgian', /\p{Script=Georgian}/u], ['Hebrew', /\p{Script=Hebrew}/u],
  ['Arabic', /\p{Script=Arabic}/u], ['Cherokee', /\p{Script=Cherokee}/u], ['Han', /\p{Script=Han}/u],
  ['Hiragana', /\p{Script=Hiragana}/u], ['Katakana', /\p{Script=Katakana}/u], ['Hangul', /\p{Script=Hangul}/u],
  ['Bopomofo', /\p{Script=Bopomofo}/u], ['Thai', /\p{Script=Thai}/u], ['Devanagari', /\p{Script=Devanagari}/u],
] as const;
const COMMON = /[\p{Script=Common}\p{Script=Inherited}]/u;
/** Script sets a name may mix (UTS #39 "highly restrictive"). */
const ALLOWED_MIXES: readonly ReadonlySet<string>[] = [
  new Set(['Latin', 'Han', 'Hiragana', 'Katakana']),
  new Set(['Latin', 'Han', 'Bopomofo']),
  new Set(['Latin', 'Han', 'Hangul']),
];

function scriptOf(ch: string): string | null {
  if (COMMON.test(ch)) return null;
  for (const [script, pattern] of SCRIPTS) if (pattern.test(ch)) return script;
  return 'Other';
}

/** The scripts of a name's letters (digits, punctuation, emoji and marks belong to none). */
export function nameScripts(name: string): ReadonlySet<string> {
  const scripts = new Set<string>();
  for (const ch of name) {
    if (!LETTER.test(ch)) continue;
    const script = scriptOf(ch);
    if (script !== null) scripts.add(script);
  }
  return scripts;
}

function singleScript(scripts: ReadonlySet<string>): boolean {
  if (scripts.size <= 1) return true;
  return ALLOWED_MIXES.some((mix) => [...scripts].every((s) => mix.has(s)));
}

function tooManyMarks(name: string): boolean {
  let run = 0;
  let first = true;
  for (const ch of name) {
    if (MARK.test(ch)) {
      if (first) return true; // a mark with no base draws over whatever precedes the name
      run += 1;
      if (run > 2) return true;
    } else run = 0;
    first = false;
  }
  return false;
}

/**
 * Folds (NFKC), trims and checks a player name: 1..20 printable, visible code points in one script.
 * The returned value is the folded name (what the server stores and shows).
 */
export function validateName(raw: string): NameResult {
  const name = raw.normalize('NFKC').trim().replace(/ {2,}/g, ' ');
  const length = [...name].length;
  if (length < 1 || length > MAX_NAME_CHARS) return { ok: false, error: `a name has 1 to ${MAX_NAME_CHARS} characters` };
  if (UNPRINTABLE.test(name) || INVISIBLE.test(name) || ODD_SPACE.test(name)) {
    return { ok: false, error: 'a name may only contain visible, printable characters' };
  }
  if (tooManyMarks(name)) return { ok: false, error: 'a name may carry at most two accents on a letter' };
  if (!singleScript(nameScripts(name))) return { ok: false, error: 'a name may not mix alphabets (such as Latin and Cyrillic)' };
  return { ok: true, value: name };
}

/**
 * Capitals that render like a Latin capital, mapped to it. They are mapped before lower-casing: the
 * lower case of a look-alike capital may look like another Latin letter or none (Greek Η is "H" but η
 * is "n", Ν is "N" but ν is "v", Υ is "Y" but υ is "u"; μ, ζ look like no Latin letter).
 */
const LOOK_ALIKE_CAPITAL: Readonly<Record<string, string>> = {
  // Greek
  Α: 'A', Β: 'B', Ε: 'E', Ζ: 'Z', Η: 'H', Ι: 'I', Κ: 'K', Μ: 'M', Ν: 'N', Ο: 'O', Ρ: 'P', Τ: 'T',
  Υ: 'Y', Χ: 'X', Ϳ: 'J',
  // Cyrillic (Ӏ is the palochka; Ү the straight U)
  А: 'A', В: 'B', Е: 'E', К: 'K', М: 'M', Н: 'H', О: 'O', Р: 'P', С: 'C', Т: 'T', Х: 'X', Ѕ: 'S',
  І: 'I', Ј: 'J', Ү: 'Y', Ӏ: 'I', Һ: 'H', Ԛ: 'Q', Ԝ: 'W',
};

/**
 * Letters (lower case) that render like a Latin letter, mapped to it: Cyrillic and Greek ones, and
 * Latin-script look-alikes that the one-script rule lets through (dotless ı and ȷ, alpha ɑ, iota ɩ
 * (lower case of Ɩ), the click letter ǀ).
 */
const LOOK_ALIKE: Readonly<Record<string, string>> = {
  а: 'a', в: 'b', е: 'e', ё: 'e', к: 'k', м: 'm', н: 'h', о: 'o', р: 'p', с: 'c', т: 't', у: 'y', х: 'x',
  ѕ: 's', і: 'i', ї: 'i', ј: 'j', һ: 'h', ԁ: 'd', ԛ: 'q', ԝ: 'w', ү: 'y', ӏ: 'l', ɡ: 'g', ʏ: 'y', ᴀ: 'a',
  α: 'a', β: 'b', ε: 'e', η: 'n', ι: 'i', κ: 'k', ν: 'v', ο: 'o', ρ: 'p', τ: 't', υ: 'u', χ: 'x', ω: 'w',
  ϲ: 'c', ϳ: 'j', '0': 'o', '1': 'l', '|': 'l',
  ı: 'i', ȷ: 'j', ɑ: 'a', ɩ: 'i', ǀ: 'l',
};

/**
 * The key two names clash on (unique per lobby): NFKC, look-alike capitals mapped to Latin ones,
 * case-folded, look-alike letters mapped to Latin, joiners and emoji variation selectors removed.
 * "Alice", "ALICE", "Аlice" (Cyrillic А), "ΜΙΚΕ" (Greek, clashes with "MIKE") and "Alicé"... only the
 * first four clash: an accent is visible, a homoglyph is not.
 */
export function nameKey(name: string): string {
  let latinCapitals = '';
  for (const ch of name.normalize('NFKC')) latinCapitals += LOOK_ALIKE_CAPITAL[ch] ?? ch;
  let key = '';
  for (const ch of latinCapitals.toLowerCase()) {
    if (ch === '\u200d' || ch === '\ufe0e' || ch === '\ufe0f') continue;
    key += LOOK_ALIKE[ch] ?? ch;
  }
  // "l" and "I" look alike in many UI fonts ("AIice" clashes with "Alice"), and so do "rn" and "m".
  return key.replace(/rn/g, 'm').replace(/l/g, 'i');
}
