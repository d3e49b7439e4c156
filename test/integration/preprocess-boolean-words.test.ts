/**
 * Yes/no columns in other languages and with words sluice.yaml adds, through
 * the preprocess stage: one BOOLEAN column, beside 0 and 1 too, wherever in
 * the file the words come, and the reason names the language.
 */
import { describe, expect, it } from 'vitest';
import { usePreprocessHarness } from '../helpers/preprocess-harness.js';

const h = usePreprocessHarness();

function csv(rows: number, flag: (i: number) => string): string {
  const lines = ['id;aktiv;menge'];
  for (let i = 1; i <= rows; i++) lines.push(`${i};${flag(i)};${i % 9}`);
  return `${lines.join('\n')}\n`;
}

/** The values of a typed flag column as the truth for `flag`: yes words true, no words false, blanks null. */
const truth = (rows: number, flag: (i: number) => string, yes: string[]) =>
  Array.from({ length: rows }, (_, k) => {
    const v = flag(k + 1).trim();
    return v === '' ? null : yes.includes(v.toLowerCase()) ? 'true' : 'false';
  });

describe('yes/no words in other languages', () => {
  it.each([
    ['German', ['ja', 'Nein', 'JA', 'nein']],
    ['French', ['oui', 'non', 'Oui', 'NON']],
    ['Spanish', ['sí', 'no', 'Sí', 'No']],
    ['Portuguese', ['sim', 'não', 'Sim', 'NÃO']],
  ])('reads a %s flag column as BOOLEAN and names the language', async (language, words) => {
    // Prepare: blanks in places, as exports leave them.
    const flag = (i: number) => (i % 23 === 0 ? '' : (words[i % words.length] as string));

    // Act
    const r = await h.run('leute/a.csv', csv(500, flag));

    // Assess
    expect((await h.types(r)).aktiv).toBe('BOOLEAN');
    expect(await h.column(r, 'aktiv')).toEqual(truth(500, flag, ['ja', 'oui', 'sí', 'sim']));
    expect(h.reported(r, 'aktiv').reason).toMatch(new RegExp(`^100% of values are yes/no words \\(.*: .*${language}`));
  });

  it('reads 0/1 beside ja/nein as one flag when the words come only in the last rows, past the sample', async () => {
    // Prepare: 2,000 rows of 0/1, then 50 of ja/nein (the last 2.4%); types decided on the first 200 rows.
    const flag = (i: number) => (i <= 2000 ? String(i % 2) : i % 2 ? 'ja' : 'nein');

    // Act
    const sampled = await h.run('leute/late.csv', csv(2050, flag), { defaults: { typeSampleRows: 200 } });

    // Assess
    expect((await h.types(sampled)).aktiv).toBe('BOOLEAN');
    expect(await h.column(sampled, 'aktiv')).toEqual(Array.from({ length: 2050 }, (_, k) => ((k + 1) % 2 ? 'true' : 'false')));
    expect(h.reported(sampled, 'aktiv').reason).toContain('(ja, nein: German');
  });

  it('takes the yes and no words sluice.yaml adds, any case, and says they are its own', async () => {
    // Prepare
    const flag = (i: number) => ['OK', 'ko', 'ok', 'KO'][i % 4] as string;

    // Act
    const r = await h.run('leute/own.csv', csv(40, flag), { defaults: { booleanWords: { true: ['ok'], false: ['KO'] } } });
    const without = await h.run('leute/own.csv', csv(40, flag));

    // Assess
    expect(await h.column(r, 'aktiv')).toEqual(truth(40, flag, ['ok']));
    expect(h.reported(r, 'aktiv').reason).toBe('100% of values are yes/no words (ko, ok: words added in sluice.yaml)');
    expect((await h.types(without)).aktiv).toBe('VARCHAR');
  });
});
