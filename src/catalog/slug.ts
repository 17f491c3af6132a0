// Letters NFKD does not take apart into a base letter and a mark.
const LETTERS: Record<string, string> = {
  "ø": "o",
  "ł": "l",
  "ß": "ss",
  "æ": "ae",
  "œ": "oe",
  "đ": "d",
  "ð": "d",
  "þ": "th",
  "ı": "i",
};

/**
 * A lower-case ASCII slug, the shape of every tag: `voi_V'Lônes` →
 * `voi-vlones`, `dott-bodø` → `dott-bodo`, `Köln` → `koln`.
 */
export function slugify(text: string): string {
  return text
    .toLowerCase()
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .replace(/[øłßæœđðþı]/g, (ch) => LETTERS[ch]!)
    .replace(/['’]/g, "")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}
