/** A typo: two letters swapped and one dropped, as a hurried user types. */
export function misspell(word: string): string {
  const chars = [...word];
  const i = Math.max(1, Math.floor(chars.length / 3));
  [chars[i], chars[i + 1]] = [chars[i + 1]!, chars[i]!];
  chars.splice(Math.floor((chars.length * 2) / 3), 1);
  return chars.join('');
}
