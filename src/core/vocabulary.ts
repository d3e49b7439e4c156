/**
 * The words people type for yes and no, by language: data the boolean parser
 * and the column reasons are built from, which sluice.yaml extends
 * (`defaults.booleanWords`). Only words that mean one thing are here: a word
 * that is yes in one language and no in another (or anything else common in
 * a flag column) is left out, so it never decides a column by itself.
 * Matching is case-insensitive (the words are lower case).
 */

export interface BooleanVocabulary {
  true: readonly string[];
  false: readonly string[];
}

/** Yes/no and true/false in the languages of most exports, keyed by BCP 47 language. */
export const BOOLEAN_WORDS: Readonly<Record<string, BooleanVocabulary>> = {
  en: { true: ['true', 't', 'yes', 'y'], false: ['false', 'f', 'no', 'n'] },
  de: { true: ['ja', 'wahr'], false: ['nein', 'falsch'] },
  fr: { true: ['oui', 'vrai'], false: ['non', 'faux'] },
  es: { true: ['sí', 'si', 'verdadero'], false: ['no', 'falso'] },
  it: { true: ['sì', 'si', 'vero'], false: ['no', 'falso'] },
  pt: { true: ['sim', 'verdadeiro'], false: ['não', 'nao', 'falso'] },
  nl: { true: ['ja', 'waar'], false: ['nee', 'onwaar'] },
  sv: { true: ['ja', 'sant'], false: ['nej', 'falskt'] },
  da: { true: ['ja', 'sand'], false: ['nej', 'falsk'] },
  nb: { true: ['ja', 'sann'], false: ['nei', 'usann'] },
  fi: { true: ['kyllä', 'tosi'], false: ['ei', 'epätosi'] },
  pl: { true: ['tak', 'prawda'], false: ['nie', 'fałsz'] },
  cs: { true: ['ano', 'pravda'], false: ['ne', 'nepravda'] },
  tr: { true: ['evet', 'doğru'], false: ['hayır', 'yanlış'] },
  ru: { true: ['да', 'истина'], false: ['нет', 'ложь'] },
  ja: { true: ['はい', '真'], false: ['いいえ', '偽'] },
  zh: { true: ['是', '真'], false: ['否', '假'] },
  ko: { true: ['예', '네', '참'], false: ['아니요', '아니오', '거짓'] },
  id: { true: ['ya', 'benar'], false: ['tidak', 'salah'] },
  ro: { true: ['da', 'adevărat'], false: ['nu', 'fals'] },
  hu: { true: ['igen', 'igaz'], false: ['nem', 'hamis'] },
  uk: { true: ['так', 'правда'], false: ['ні', 'неправда'] },
  el: { true: ['ναι', 'αληθές'], false: ['όχι', 'ψευδές'] },
  vi: { true: ['có', 'đúng'], false: ['không', 'sai'] },
};

/** Every word of a vocabulary, yes words and no words, after checking that no word is both. */
export function booleanWordLists(extra?: Partial<BooleanVocabulary>): { true: string[]; false: string[] } {
  const yes = new Set<string>();
  const no = new Set<string>();
  for (const v of [...Object.values(BOOLEAN_WORDS), { true: extra?.true ?? [], false: extra?.false ?? [] }]) {
    for (const w of v.true) yes.add(w.toLowerCase());
    for (const w of v.false) no.add(w.toLowerCase());
  }
  const both = [...yes].filter((w) => no.has(w));
  if (both.length) throw new Error(`boolean words both true and false: ${both.join(', ')}`);
  return { true: [...yes].sort(), false: [...no].sort() };
}

/**
 * The languages whose yes/no words cover every one of `seen` (lower case), for
 * a column's reason: `ja`, `nein` → German. Words only the user added name no
 * language.
 */
export function languagesOf(seen: readonly string[]): string[] {
  const names = new Intl.DisplayNames(['en'], { type: 'language' });
  return Object.entries(BOOLEAN_WORDS)
    .filter(([, v]) => seen.every((w) => v.true.includes(w) || v.false.includes(w)))
    .map(([lang]) => names.of(lang) ?? lang);
}

/**
 * Words people type for "no value" that are not the file's null tokens, in
 * the languages above, lower case: in a typed column they are stray values
 * (NULL and a rejected cell), never a category of their own. Spreadsheet
 * error values (`#REF!`, `#DIV/0!`) are recognised by shape.
 */
export const MISSING_WORDS: readonly string[] = [
  'unknown',
  'unk',
  'n/a?',
  '?',
  '??',
  '???',
  'tbd',
  'tba',
  'tbc',
  'missing',
  'none',
  'nil',
  'null',
  'n.a.',
  'n.a',
  'na.',
  'n/d',
  'n.d.',
  'nd',
  'not available',
  'not applicable',
  'no data',
  'no value',
  'empty',
  'blank',
  'void',
  'error',
  'err',
  'invalid',
  'unbekannt',
  'k.a.',
  'k. a.',
  'keine angabe',
  'inconnu',
  'non disponible',
  'n.c.',
  'nc',
  'desconocido',
  'sin datos',
  's/d',
  'sconosciuto',
  'desconhecido',
  'sem dados',
  'onbekend',
  'okänd',
  'ukjent',
  'ukendt',
  'tuntematon',
  'nieznany',
  'brak',
  'neznámý',
  'bilinmiyor',
  'неизвестно',
  'нет данных',
  '不明',
  '未知',
  '알 수 없음',
];

const MISSING = new Set(MISSING_WORDS);

/** Whether a value is a way of writing "no value": a word of MISSING_WORDS (any case) or a spreadsheet error value. */
export function isMissingWord(value: string): boolean {
  return MISSING.has(value.trim().toLowerCase()) || /^#[A-Z0-9/]+[!?]?$/i.test(value.trim()) || /^[-–—?.\s]+$/.test(value);
}
