// Held-out fixtures for the typing-accuracy benchmark (bench/typing-accuracy.js).
// Each generator is seeded and deterministic, and is its own oracle: alongside the CSV text it returns, for every column,
// the true type and the true typed value of every cell (numbers as JS numbers, dates 'YYYY-MM-DD', timestamps as UTC
// 'YYYY-MM-DDTHH:MM:SS', booleans, text as the trimmed string, null for a missing or garbage cell).
// Written from how real exports look, not from Sluice's inference code.

/** A small seeded RNG (mulberry32) with the helpers the generators use. */
export function rng(seed) {
  let s = seed >>> 0;
  const f = () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    f,
    int: (a, b) => a + Math.floor(f() * (b - a + 1)),
    pick: (list) => list[Math.floor(f() * list.length)],
    chance: (p) => f() < p,
  };
}

// ---------- formatting helpers ----------

const pad2 = (n) => String(n).padStart(2, '0');

/** Groups the digits of a whole-number string: every three digits, or Indian lakh/crore grouping (3 then 2s). */
function group(digits, sep, indian = false) {
  if (!sep) return digits;
  if (indian && digits.length > 3) {
    const head = digits.slice(0, -3).replace(/\B(?=(\d{2})+(?!\d))/g, sep);
    return `${head}${sep}${digits.slice(-3)}`;
  }
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, sep);
}

/** Formats a number: decimal mark, group separator (a string or a function choosing one per number), places, minus sign. */
function num(x, { dec = '.', grp = '', dp = 2, indian = false, minus = '-' } = {}) {
  const [whole, frac] = Math.abs(x).toFixed(dp).split('.');
  const body = group(whole, grp, indian) + (dp > 0 ? dec + frac : '');
  return x < 0 ? minus + body : body;
}

/** A whole number of cents, log-uniform between 1 and max units, so small and large amounts both occur. */
function cents(r, max) {
  return Math.max(1, Math.round(Math.exp(r.f() * Math.log(max * 100))));
}

const MONTHS = {
  en: ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'],
  de: ['Januar', 'Februar', 'März', 'April', 'Mai', 'Juni', 'Juli', 'August', 'September', 'Oktober', 'November', 'Dezember'],
  fr: ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre'],
  es: ['enero', 'febrero', 'marzo', 'abril', 'mayo', 'junio', 'julio', 'agosto', 'septiembre', 'octubre', 'noviembre', 'diciembre'],
  it: ['gennaio', 'febbraio', 'marzo', 'aprile', 'maggio', 'giugno', 'luglio', 'agosto', 'settembre', 'ottobre', 'novembre', 'dicembre'],
  nl: ['januari', 'februari', 'maart', 'april', 'mei', 'juni', 'juli', 'augustus', 'september', 'oktober', 'november', 'december'],
  pt: ['janeiro', 'fevereiro', 'março', 'abril', 'maio', 'junho', 'julho', 'agosto', 'setembro', 'outubro', 'novembro', 'dezembro'],
  plGen: ['stycznia', 'lutego', 'marca', 'kwietnia', 'maja', 'czerwca', 'lipca', 'sierpnia', 'września', 'października', 'listopada', 'grudnia'],
};
const EN_ABBR = MONTHS.en.map((m) => m.slice(0, 3));
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** A random calendar day between two years: { y, m, d, iso, dow }. */
function day(r, fromYear = 2019, toYear = 2025) {
  const a = Date.UTC(fromYear, 0, 1);
  const b = Date.UTC(toYear, 11, 31);
  const t = new Date(a + Math.floor(r.f() * ((b - a) / 86400000 + 1)) * 86400000);
  return dateParts(t);
}

/** A random instant (whole seconds) between two years, as UTC parts: { y, m, d, H, M, S, iso, dow, ms }. */
function instant(r, fromYear = 2021, toYear = 2025, wholeMinutes = false) {
  const a = Date.UTC(fromYear, 0, 1) / 1000;
  const b = Date.UTC(toYear, 11, 31, 23, 59, 59) / 1000;
  let sec = a + Math.floor(r.f() * (b - a));
  if (wholeMinutes) sec -= sec % 60;
  return dateParts(new Date(sec * 1000));
}

function dateParts(t) {
  const y = t.getUTCFullYear();
  const m = t.getUTCMonth() + 1;
  const d = t.getUTCDate();
  const H = t.getUTCHours();
  const M = t.getUTCMinutes();
  const S = t.getUTCSeconds();
  return {
    y,
    m,
    d,
    H,
    M,
    S,
    dow: t.getUTCDay(),
    ms: t.getTime(),
    iso: `${y}-${pad2(m)}-${pad2(d)}`,
    isoTs: `${y}-${pad2(m)}-${pad2(d)}T${pad2(H)}:${pad2(M)}:${pad2(S)}`,
  };
}

/** The local wall-clock parts of a UTC instant at a fixed offset in minutes (e.g. +60, -300). */
function shifted(p, offsetMinutes) {
  return dateParts(new Date(p.ms + offsetMinutes * 60000));
}

function offsetText(mins, colon = true) {
  const sign = mins < 0 ? '-' : '+';
  const a = Math.abs(mins);
  return `${sign}${pad2(Math.floor(a / 60))}${colon ? ':' : ''}${pad2(a % 60)}`;
}

const FIRST = [
  'Anna',
  'Ben',
  'Chloé',
  'David',
  'Eva',
  'Felix',
  'Greta',
  'Hugo',
  'Ines',
  'Jonas',
  'Kai',
  'Lena',
  'Marta',
  'Nils',
  'Olga',
  'Paul',
  'Rosa',
  'Sven',
  'Tara',
  'Uwe',
];
const LAST = [
  'Müller',
  'Schmidt',
  'Dubois',
  'García',
  'Rossi',
  'de Vries',
  'Nowak',
  'Smith',
  "O'Brien",
  'Jensen',
  'Kowalski',
  'Bernard',
  'Fischer',
  'Lopez',
  'Martin',
  'Weber',
];
const CITIES = [
  'Berlin',
  'München',
  'Köln',
  'Paris',
  'Lyon',
  'Zürich',
  'Genève',
  'Wien',
  'Madrid',
  'Milano',
  'Rotterdam',
  'Kraków',
  'Porto',
  'Mumbai',
  'São Paulo',
];
const PRODUCTS = [
  'Schraube M6',
  'Mutter M8, verzinkt',
  'Kabel 3x1,5',
  'Dübel 8mm',
  'Winkel 90°',
  'Scharnier "Pro"',
  'Rohr DN50',
  'Dichtung',
  'Ventil 1/2"',
  'Lager 6204',
];
const name = (r) => `${r.pick(FIRST)} ${r.pick(LAST)}`;

// ---------- the builder ----------

/**
 * Renders rows to CSV and collects the truth. A column: { name, type, cell(r, i, n) => [text, value] | null, nullRate, pad, scale }.
 * `cell` returning null, or a null draw, writes one of the file's null tokens with value null.
 */
function build({ name, seed, rows, columns, delimiter = ',', eol = '\n', bom = false, nulls = [''], quoteAll = false, unlisted = false, duplicates = false }) {
  const r = rng(seed);
  const values = columns.map(() => []);
  const lines = [columns.map((c) => quote(c.header ?? c.name, delimiter, quoteAll)).join(delimiter)];
  const seen = new Set();
  for (let i = 0; i < rows; i++) {
    let cells;
    let line;
    for (let attempt = 0; attempt < 50; attempt++) {
      cells = columns.map((c) => {
        const res = c.nullRate && r.chance(c.nullRate) ? null : c.cell(r, i, rows);
        if (res === null) return [r.pick(c.nulls ?? nulls), null];
        let [text, value] = res;
        if (c.pad && r.chance(c.pad)) text = r.chance(0.5) ? ` ${text}` : `${text}  `;
        return [text, value];
      });
      line = cells.map(([text]) => quote(text, delimiter, quoteAll)).join(delimiter);
      if (duplicates || !seen.has(line)) break;
    }
    if (!duplicates && seen.has(line)) throw new Error(`${name}: could not make row ${i} unique`);
    seen.add(line);
    cells.forEach(([, value], k) => {
      values[k].push(value);
    });
    lines.push(line);
  }
  let text = bom ? '\uFEFF' : '';
  const ending = (k) => (eol === 'mixed' ? (k % 7 === 3 ? '\n' : '\r\n') : eol);
  lines.forEach((l, k) => {
    text += l + ending(k);
  });
  return {
    name,
    unlisted,
    text,
    columns: columns.map((c, k) => ({ name: c.header ?? c.name, type: c.type, values: values[k], ...(c.scale ? { scale: c.scale } : {}) })),
  };
}

function quote(text, delimiter, all) {
  if (all || text.includes(delimiter) || text.includes('"') || text.includes('\n') || text.includes('\r')) return `"${text.replaceAll('"', '""')}"`;
  return text;
}

// ---------- cell makers ----------

const seq =
  (start, step = 1) =>
  (_r, i) => [String(start + i * step), start + i * step];
const intIn =
  (a, b, fmt = String) =>
  (r) => {
    const v = r.int(a, b);
    return [fmt(v), v];
  };
const money =
  (max, opts, wrap = (s) => s, negRate = 0) =>
  (r) => {
    const c = cents(r, max) * (r.chance(negRate) ? -1 : 1);
    return [wrap(num(c / 100, opts), c < 0), c / 100];
  };
const dateCell = (fmt, from, to) => (r) => {
  const p = day(r, from, to);
  return [fmt(p), p.iso];
};
const tsCell =
  (fmt, wholeMinutes = false) =>
  (r) => {
    const p = instant(r, 2021, 2025, wholeMinutes);
    const [text, truth] = fmt(p, r);
    return [text, truth ?? p.isoTs];
  };
const bool = (yes, no) => (r) => (r.chance(0.5) ? [r.pick(yes), true] : [r.pick(no), false]);
const text = (list) => (r) => {
  const v = r.pick(list);
  return [v, v.trim()];
};
const textFn = (fn) => (r, i, n) => {
  const v = fn(r, i, n);
  return [v, v.trim()];
};

const dmy = (sep) => (p) => `${pad2(p.d)}${sep}${pad2(p.m)}${sep}${p.y}`;
const ymd = (p) => p.iso;
const mdyUS = (p) => `${pad2(p.m)}/${pad2(p.d)}/${p.y}`;

// ---------- the fixtures ----------

const fixtures = [
  // ERP invoice export, de-DE: semicolons, decimal comma, d.m.Y, invoice numbers turning into codes in the last rows.
  () =>
    build({
      name: 'erp_de_rechnungen',
      seed: 101,
      rows: 2400,
      delimiter: ';',
      eol: '\r\n',
      bom: true,
      columns: [
        {
          name: 'Rechnungsnummer',
          type: 'text',
          cell: (r, i, n) => (i >= n * 0.97 ? textFn(() => `INV-2024-${String(i).padStart(4, '0')}`)(r) : [String(40000 + i), String(40000 + i)]),
        },
        { name: 'Rechnungsdatum', type: 'date', cell: dateCell(dmy('.')) },
        { name: 'Kunde', type: 'text', cell: textFn(name), pad: 0.05 },
        { name: 'Artikel', type: 'text', cell: text(PRODUCTS) },
        { name: 'Menge', type: 'integer', cell: (r) => ((v) => [group(String(v), '.'), v])(r.chance(0.85) ? r.int(1, 5000) : r.int(1000000, 3000000)) },
        { name: 'Betrag netto', type: 'decimal', cell: money(250000, { dec: ',', grp: '.' }, (s) => s, 0.03), pad: 0.03 },
        { name: 'MwSt-Satz', type: 'decimal', scale: 0.01, cell: (r) => (r.chance(0.7) ? ['19 %', 19] : ['7 %', 7]) },
        { name: 'Bezahlt', type: 'boolean', cell: bool(['ja'], ['nein']) },
        { name: 'Fällig am', type: 'date', cell: dateCell(dmy('.')), nullRate: 0.05 },
      ],
    }),
  // fr-FR ledger: grouping by U+202F or U+00A0, U+2212 minus, euro after the number, French month names.
  () =>
    build({
      name: 'erp_fr_grand_livre',
      seed: 102,
      rows: 1800,
      delimiter: ';',
      eol: '\r\n',
      columns: [
        { name: 'N° pièce', type: 'integer', cell: seq(700001) },
        { name: 'Date', type: 'date', cell: dateCell((p) => `${p.d} ${MONTHS.fr[p.m - 1]} ${p.y}`) },
        { name: 'Libellé', type: 'text', cell: text(['Achat fournitures', 'Vente marchandises', 'Loyer bureau', 'Frais bancaires', 'Salaire; acompte']) },
        {
          name: 'Montant',
          type: 'decimal',
          cell: (r) => {
            const c = cents(r, 900000) * (r.chance(0.2) ? -1 : 1);
            const grp = r.chance(0.6) ? '\u202F' : '\u00A0';
            return [num(c / 100, { dec: ',', grp, minus: '\u2212' }), c / 100];
          },
        },
        { name: 'Montant TTC', type: 'decimal', cell: money(120000, { dec: ',', grp: '\u202F' }, (s) => `${s}\u00A0€`) },
        { name: 'Lettré', type: 'boolean', cell: bool(['oui'], ['non']) },
      ],
    }),
  // de-CH payroll: apostrophe grouping (ASCII and U+2019), CHF prefix, d.m.Y.
  () =>
    build({
      name: 'erp_ch_lohnlauf',
      seed: 103,
      rows: 900,
      eol: '\r\n',
      columns: [
        { name: 'Personalnummer', type: 'integer', cell: seq(1001) },
        { name: 'Name', type: 'text', cell: textFn(name) },
        { name: 'Bruttolohn', type: 'decimal', cell: money(40000, { grp: "'" }), pad: 0.05 },
        { name: 'Nettolohn', type: 'decimal', cell: money(30000, { grp: '\u2019' }) },
        { name: 'Spesen', type: 'decimal', cell: money(5000, { grp: "'" }, (s) => `CHF ${s}`), nullRate: 0.2, nulls: ['-'] },
        { name: 'Auszahlung', type: 'date', cell: dateCell(dmy('.')) },
        { name: 'Pensum %', type: 'integer', cell: intIn(20, 100) },
      ],
    }),
  // en-IN sales: lakh/crore grouping, quoted because of the comma delimiter, UK day-first dates.
  () =>
    build({
      name: 'sales_en_in',
      seed: 104,
      rows: 1500,
      columns: [
        { name: 'order_no', type: 'integer', cell: seq(880000) },
        { name: 'order_date', type: 'date', cell: dateCell(dmy('/')) },
        { name: 'city', type: 'text', cell: text(['Mumbai', 'Delhi  ', 'Bengaluru', ' Chennai', 'Pune', 'Kolkata']) },
        { name: 'amount_inr', type: 'decimal', cell: money(50000000, { grp: ',', indian: true }), pad: 0.04 },
        { name: 'gst_inr', type: 'decimal', cell: money(900000, { grp: ',', indian: true }, (s) => `₹${s}`) },
        { name: 'units', type: 'integer', cell: intIn(1, 250000, (v) => group(String(v), ',', true)) },
      ],
    }),
  // US accounting: parentheses for negatives, dollar signs, percentages, m/d/Y.
  () =>
    build({
      name: 'finance_us_accounting',
      seed: 105,
      rows: 1200,
      quoteAll: true,
      columns: [
        { name: 'Account', type: 'integer', cell: intIn(100000, 999999) },
        { name: 'Posting Date', type: 'date', cell: dateCell(mdyUS) },
        { name: 'Description', type: 'text', cell: text(['Accrued revenue', 'Depreciation', 'Write-off', 'Payroll, June', 'Travel']) },
        { name: 'Amount', type: 'decimal', cell: money(2000000, { grp: ',' }, (s, neg) => (neg ? `(${s.slice(1)})` : s), 0.25) },
        { name: 'Amount USD', type: 'decimal', cell: money(90000, { grp: ',' }, (s, neg) => (neg ? `($${s.slice(1)})` : `$${s}`), 0.2) },
        { name: 'Margin', type: 'decimal', scale: 0.01, cell: (r) => ((v) => [`${num(v, { dp: 1 })}%`, v])(r.int(-300, 900) / 10) },
      ],
    }),
  // Euro amounts with the currency before and after, German-style decimals.
  () =>
    build({
      name: 'finance_eur_currency',
      seed: 106,
      rows: 1000,
      delimiter: ';',
      columns: [
        { name: 'Buchung', type: 'integer', cell: seq(5000) },
        { name: 'Datum', type: 'date', cell: dateCell(ymd) },
        { name: 'Betrag', type: 'decimal', cell: money(20000, { dec: ',', grp: '.' }, (s) => `€ ${s}`, 0.1) },
        { name: 'Gebühr', type: 'decimal', cell: money(200, { dec: ',', grp: '.' }, (s) => `${s} €`) },
        { name: 'Saldo', type: 'decimal', cell: money(900000, { dec: ',', grp: '.' }, (s) => `${s} EUR`, 0.15) },
      ],
    }),
  // Brazilian payments: R$ prefix, d/m/Y.
  () =>
    build({
      name: 'payments_br',
      seed: 107,
      rows: 1100,
      delimiter: ';',
      columns: [
        { name: 'id_pagamento', type: 'integer', cell: seq(1) },
        { name: 'data', type: 'date', cell: dateCell(dmy('/')) },
        { name: 'valor', type: 'decimal', cell: money(80000, { dec: ',', grp: '.' }, (s) => `R$ ${s}`) },
        { name: 'cliente', type: 'text', cell: textFn(name) },
        { name: 'aprovado', type: 'boolean', cell: bool(['true'], ['false']) },
      ],
    }),
  // Polish invoices: zł after the number with space grouping.
  () =>
    build({
      name: 'faktury_pln',
      seed: 108,
      rows: 700,
      delimiter: ';',
      columns: [
        { name: 'nr', type: 'integer', cell: seq(1) },
        { name: 'data_wystawienia', type: 'date', cell: dateCell(ymd) },
        { name: 'kwota', type: 'decimal', cell: money(300000, { dec: ',', grp: ' ' }, (s) => `${s} zł`) },
        { name: 'kwota_vat', type: 'decimal', cell: money(60000, { dec: ',', grp: '\u00A0' }, (s) => `${s}\u00A0zł`) },
      ],
    }),
  // English month names in three spellings, one per column.
  () =>
    build({
      name: 'dates_en_months',
      seed: 109,
      rows: 800,
      columns: [
        { name: 'event_id', type: 'integer', cell: seq(1) },
        { name: 'long_date', type: 'date', cell: dateCell((p) => `${p.d} ${MONTHS.en[p.m - 1]} ${p.y}`) },
        { name: 'us_long', type: 'date', cell: dateCell((p) => `${EN_ABBR[p.m - 1]} ${p.d}, ${p.y}`) },
        { name: 'oracle_style', type: 'date', cell: dateCell((p) => `${pad2(p.d)}-${EN_ABBR[p.m - 1]}-${p.y}`), nullRate: 0.05, nulls: ['NULL'] },
      ],
    }),
  // German dates with month names, and d.m.Y HH:MM timestamps.
  () =>
    build({
      name: 'termine_de',
      seed: 110,
      rows: 600,
      delimiter: ';',
      columns: [
        { name: 'Termin', type: 'integer', cell: seq(1) },
        { name: 'Datum', type: 'date', cell: dateCell((p) => `${p.d}. ${MONTHS.de[p.m - 1]} ${p.y}`) },
        { name: 'Beginn', type: 'timestamp', cell: tsCell((p) => [`${pad2(p.d)}.${pad2(p.m)}.${p.y} ${pad2(p.H)}:${pad2(p.M)}`], true), pad: 0.05 },
        { name: 'Raum', type: 'text', cell: text(['A1.03', 'B2.10', 'C0.01', 'Aula']) },
      ],
    }),
  () =>
    build({
      name: 'rendezvous_fr',
      seed: 111,
      rows: 500,
      delimiter: ';',
      columns: [
        { name: 'numéro', type: 'integer', cell: seq(1) },
        { name: 'date', type: 'date', cell: dateCell((p) => `${p.d} ${MONTHS.fr[p.m - 1]} ${p.y}`) },
        { name: 'ville', type: 'text', cell: text(CITIES) },
      ],
    }),
  () =>
    build({
      name: 'citas_es',
      seed: 112,
      rows: 500,
      columns: [
        { name: 'cita', type: 'integer', cell: seq(1) },
        { name: 'fecha', type: 'date', cell: dateCell((p) => `${p.d} de ${MONTHS.es[p.m - 1]} de ${p.y}`) },
        { name: 'confirmada', type: 'boolean', cell: bool(['sí', 'Sí'], ['no', 'No']) },
      ],
    }),
  () =>
    build({
      name: 'appuntamenti_it',
      seed: 113,
      rows: 400,
      delimiter: ';',
      columns: [
        { name: 'n', type: 'integer', cell: seq(1) },
        { name: 'data', type: 'date', cell: dateCell((p) => `${p.d} ${MONTHS.it[p.m - 1]} ${p.y}`) },
        { name: 'importo', type: 'decimal', cell: money(5000, { dec: ',', grp: '.' }) },
      ],
    }),
  () =>
    build({
      name: 'afspraken_nl',
      seed: 114,
      rows: 400,
      delimiter: ';',
      columns: [
        { name: 'nummer', type: 'integer', cell: seq(1) },
        { name: 'datum', type: 'date', cell: dateCell((p) => `${p.d} ${MONTHS.nl[p.m - 1]} ${p.y}`) },
        { name: 'bedrag', type: 'decimal', cell: money(5000, { dec: ',', grp: '.' }, (s) => `€ ${s}`) },
      ],
    }),
  // CJK and Korean dates.
  () =>
    build({
      name: 'dates_cjk_ko',
      seed: 115,
      rows: 600,
      columns: [
        { name: '注文番号', type: 'integer', cell: seq(10001) },
        { name: '注文日', type: 'date', cell: dateCell((p) => `${p.y}年${p.m}月${p.d}日`) },
        { name: '주문일', type: 'date', cell: dateCell((p) => `${p.y}. ${p.m}. ${p.d}.`) },
        { name: '数量', type: 'integer', cell: intIn(1, 99) },
      ],
    }),
  // ISO timestamps: with Z, with offsets, without seconds, space separated.
  () =>
    build({
      name: 'timestamps_iso',
      seed: 116,
      rows: 1500,
      columns: [
        { name: 'id', type: 'integer', cell: seq(1) },
        { name: 'created_utc', type: 'timestamp', cell: tsCell((p) => [`${p.isoTs}Z`]) },
        {
          name: 'updated_at',
          type: 'timestamp',
          cell: tsCell((p, r) => {
            const off = r.pick([60, 120, -300, -240, 330, 0]);
            const l = shifted(p, off);
            return [`${l.isoTs}${offsetText(off)}`];
          }),
        },
        { name: 'scheduled', type: 'timestamp', cell: tsCell((p) => [`${p.iso}T${pad2(p.H)}:${pad2(p.M)}`], true) },
        { name: 'logged', type: 'timestamp', cell: tsCell((p) => [`${p.iso} ${pad2(p.H)}:${pad2(p.M)}:${pad2(p.S)}`]), nullRate: 0.04 },
        { name: 'day_only', type: 'date', cell: dateCell(ymd) },
      ],
    }),
  // One column mixing ISO-with-offset and local d.m.Y HH:MM (the naive ones read as UTC).
  () =>
    build({
      name: 'timestamps_mixed_sources',
      seed: 117,
      rows: 1000,
      delimiter: ';',
      columns: [
        { name: 'Vorgang', type: 'integer', cell: seq(1) },
        {
          name: 'Zeitpunkt',
          type: 'timestamp',
          cell: (r) => {
            if (r.chance(0.5)) {
              const p = instant(r);
              const off = r.pick([60, 120]);
              return [`${shifted(p, off).isoTs}${offsetText(off)}`, p.isoTs];
            }
            const p = instant(r, 2021, 2025, true);
            return [`${pad2(p.d)}.${pad2(p.m)}.${p.y} ${pad2(p.H)}:${pad2(p.M)}`, p.isoTs];
          },
        },
        { name: 'Status', type: 'text', cell: text(['offen', 'erledigt', 'storniert']) },
      ],
    }),
  // Apache access log turned into CSV.
  () =>
    build({
      name: 'apache_access_log',
      seed: 118,
      rows: 3000,
      columns: [
        { name: 'client_ip', type: 'text', cell: textFn((r) => `${r.int(1, 223)}.${r.int(0, 255)}.${r.int(0, 255)}.${r.int(1, 254)}`) },
        {
          name: 'time',
          type: 'timestamp',
          cell: tsCell((p, r) => {
            const off = r.pick([-300, -240, 0, 60, 120]);
            const l = shifted(p, off);
            return [`${pad2(l.d)}/${EN_ABBR[l.m - 1]}/${l.y}:${pad2(l.H)}:${pad2(l.M)}:${pad2(l.S)} ${offsetText(off, false)}`];
          }),
        },
        {
          name: 'request',
          type: 'text',
          cell: textFn((r) => `${r.pick(['GET', 'POST', 'HEAD'])} /${r.pick(['index.html', 'api/v1/items', 'img/logo.png'])}?q=${r.int(1, 9999)} HTTP/1.1`),
        },
        { name: 'status', type: 'integer', cell: (r) => ((v) => [String(v), v])(r.pick([200, 200, 200, 301, 304, 404, 500])) },
        { name: 'bytes', type: 'integer', cell: intIn(0, 5000000), nullRate: 0.1, nulls: ['-'] },
        { name: 'user_agent', type: 'text', cell: text(['Mozilla/5.0 (X11; Linux x86_64)', 'curl/8.5.0', 'Googlebot/2.1 (+http://www.google.com/bot.html)']) },
      ],
    }),
  // HTTP-date (RFC 7231) timestamps.
  () =>
    build({
      name: 'http_cache_headers',
      seed: 119,
      rows: 800,
      columns: [
        { name: 'url', type: 'text', cell: (_r, i) => [`https://cdn.example.org/a/${i}.js`, `https://cdn.example.org/a/${i}.js`] },
        {
          name: 'last_modified',
          type: 'timestamp',
          cell: tsCell((p) => [`${WEEKDAYS[p.dow]}, ${pad2(p.d)} ${EN_ABBR[p.m - 1]} ${p.y} ${pad2(p.H)}:${pad2(p.M)}:${pad2(p.S)} GMT`]),
        },
        { name: 'content_length', type: 'integer', cell: intIn(100, 900000) },
        { name: 'etag', type: 'text', cell: textFn((r) => `W/"${Math.floor(r.f() * 0xffffffff).toString(16)}"`) },
      ],
    }),
  // Booleans in English spellings.
  () =>
    build({
      name: 'flags_en',
      seed: 120,
      rows: 700,
      columns: [
        { name: 'customer_id', type: 'integer', cell: seq(3000) },
        { name: 'newsletter', type: 'boolean', cell: bool(['yes', 'Yes'], ['no', 'No']) },
        { name: 'active', type: 'boolean', cell: bool(['Y'], ['N']), pad: 0.05 },
        { name: 'verified', type: 'boolean', cell: bool(['true', 'TRUE'], ['false', 'FALSE']), nullRate: 0.1, nulls: ['', 'null'] },
        { name: 'is_deleted', type: 'boolean', cell: bool(['1', 'yes'], ['0', 'no']) },
      ],
    }),
  // Booleans in German, French, Spanish; 1/0 mixed with words.
  () =>
    build({
      name: 'flags_eu',
      seed: 121,
      rows: 700,
      delimiter: ';',
      columns: [
        { name: 'Nr', type: 'integer', cell: seq(1) },
        { name: 'Aktiv', type: 'boolean', cell: bool(['ja', 'Ja'], ['nein', 'Nein']) },
        { name: 'Actif', type: 'boolean', cell: bool(['oui', 'Oui'], ['non', 'Non']) },
        { name: 'Activo', type: 'boolean', cell: bool(['sí', 'si'], ['no']) },
        { name: 'Geprüft', type: 'boolean', cell: (r, i, n) => (i < n * 0.9 ? bool(['1'], ['0'])(r) : bool(['ja'], ['nein'])(r)) },
      ],
    }),
  // Survey/panel export without an id column; some identical answer rows; a yes/no question with a recurring third answer.
  () =>
    build({
      name: 'survey_panel',
      seed: 122,
      rows: 1200,
      duplicates: true,
      nulls: ['', 'NA'],
      columns: [
        { name: 'wave', type: 'integer', cell: intIn(1, 3) },
        { name: 'age', type: 'integer', cell: intIn(18, 90), nullRate: 0.05 },
        { name: 'satisfied', type: 'integer', cell: intIn(1, 5) },
        { name: 'would_recommend', type: 'text', cell: text(['Yes', 'No', 'Yes', 'No', 'Maybe']) },
        { name: 'owns_car', type: 'text', cell: (r, i, n) => (i > n * 0.5 && r.chance(0.08) ? ["Don't know", "Don't know"] : text(['yes', 'no'])(r)) },
        { name: 'smoker', type: 'boolean', cell: bool(['yes'], ['no']) },
        { name: 'income_band', type: 'text', cell: text(['<20k', '20-40k', '40-60k', '60k+']) },
      ],
    }),
  // Identifiers: numbers then codes late; leading-zero codes; stray garbage in numeric columns.
  () =>
    build({
      name: 'ids_and_codes',
      seed: 123,
      rows: 2000,
      columns: [
        {
          name: 'ticket',
          type: 'text',
          cell: (_r, i, n) =>
            i >= n * 0.98
              ? [`INV-2024-${String(i % 10000).padStart(4, '0')}`, `INV-2024-${String(i % 10000).padStart(4, '0')}`]
              : [String(90000 + i), String(90000 + i)],
        },
        { name: 'zip', type: 'text', cell: textFn((r) => String(r.int(501, 99950)).padStart(5, '0')) },
        { name: 'agent_code', type: 'text', cell: textFn((r) => String(r.int(1, 120)).padStart(3, '0')) },
        { name: 'qty', type: 'integer', cell: (r, i, n) => (i >= n * 0.96 && r.chance(0.3) ? [r.pick(['n/a?', 'unknown', '#REF!']), null] : intIn(0, 800)(r)) },
        {
          name: 'price',
          type: 'decimal',
          cell: (r, i, n) => (i >= n * 0.97 && r.chance(0.3) ? [r.pick(['#REF!', 'unknown', '#VALUE!']), null] : money(900, {})(r)),
        },
      ],
    }),
  // Dialling codes and ISO country codes including NA (Namibia).
  () =>
    build({
      name: 'countries_dialling',
      seed: 124,
      rows: 600,
      columns: [
        { name: 'contact_id', type: 'integer', cell: seq(1) },
        {
          name: 'country',
          type: 'text',
          cell: text(['DE', 'FR', 'GB', 'US', 'IE', 'NA', 'ZA', 'NA', 'NL', 'BW']),
        },
        { name: 'dial_code', type: 'text', cell: text(['+44', '+1', '+353', '+49', '+264', '+27']) },
        { name: 'phone', type: 'text', cell: textFn((r) => `0${r.int(100, 999)} ${r.int(1000000, 9999999)}`) },
      ],
    }),
  // Hospital admissions: MRNs with leading zeros, d.m.Y HH:MM admissions, decimal-comma temperatures, notes with newlines.
  () =>
    build({
      name: 'hospital_admissions',
      seed: 125,
      rows: 1400,
      delimiter: ';',
      eol: 'mixed',
      nulls: ['', 'N/A'],
      columns: [
        { name: 'MRN', type: 'text', cell: textFn((r) => String(r.int(1, 999999)).padStart(8, '0')) },
        { name: 'Geburtsdatum', type: 'date', cell: dateCell(dmy('.'), 1930, 2020) },
        { name: 'Aufnahme', type: 'timestamp', cell: tsCell((p) => [`${pad2(p.d)}.${pad2(p.m)}.${p.y} ${pad2(p.H)}:${pad2(p.M)}`], true) },
        { name: 'Station', type: 'text', cell: text(['Kardiologie', 'Chirurgie 2', 'ITS', 'Pädiatrie']) },
        { name: 'ICD10', type: 'text', cell: text(['J45.909', 'I10', 'E11.9', 'S72.001A', 'K35.80']) },
        { name: 'Temperatur', type: 'decimal', cell: (r) => ((v) => [num(v, { dec: ',', dp: 1 }), v])(r.int(355, 410) / 10), nullRate: 0.05 },
        { name: 'Gewicht kg', type: 'decimal', cell: (r) => ((v) => [num(v, { dec: ',', dp: 1 }), v])(r.int(25, 1600) / 10), nullRate: 0.05 },
        { name: 'Blutgruppe', type: 'text', cell: text(['A+', 'A-', 'B+', '0+', '0-', 'AB+']) },
        { name: 'Entlassen', type: 'boolean', cell: bool(['ja'], ['nein']) },
        {
          name: 'Notiz',
          type: 'text',
          cell: (r) => ((v) => (v === '' ? null : [v, v]))(r.pick(['', 'Allergie: Penicillin', 'Rückruf Hausarzt;\nBefund folgt', 'Sturz "zuhause"'])),
        },
      ],
    }),
  // IT inventory: hostnames, IPs, MACs, versions that look like numbers, RAM with units.
  () =>
    build({
      name: 'it_inventory',
      seed: 126,
      rows: 900,
      delimiter: '\t',
      columns: [
        { name: 'asset_tag', type: 'text', cell: (_r, i) => [`AT-${String(i + 1).padStart(5, '0')}`, `AT-${String(i + 1).padStart(5, '0')}`] },
        {
          name: 'hostname',
          type: 'text',
          cell: (_r, i) => [`srv-${String(i + 1).padStart(4, '0')}.corp.example`, `srv-${String(i + 1).padStart(4, '0')}.corp.example`],
        },
        { name: 'ip', type: 'text', cell: textFn((r) => `10.${r.int(0, 255)}.${r.int(0, 255)}.${r.int(1, 254)}`) },
        {
          name: 'mac',
          type: 'text',
          cell: textFn((r) => Array.from({ length: 6 }, () => r.int(0, 255).toString(16).padStart(2, '0')).join(':')),
        },
        { name: 'os_version', type: 'text', cell: text(['10.0', '11', '22.04', '1.2.10', '3.1', '12.7.1', '2.10']) },
        { name: 'agent_version', type: 'text', cell: textFn((r) => `${r.int(1, 3)}.${r.int(0, 12)}.${r.int(0, 30)}`) },
        { name: 'ram', type: 'text', cell: text(['8 GB', '16 GB', '32 GB', '64 GB', '512 MB']) },
        { name: 'cpu_cores', type: 'integer', cell: (r) => ((v) => [String(v), v])(r.pick([2, 4, 8, 16, 32])) },
        { name: 'purchased', type: 'date', cell: dateCell(ymd, 2015, 2025) },
        { name: 'under_warranty', type: 'boolean', cell: bool(['Y'], ['N']) },
      ],
    }),
  // Library catalogue: ISBN-10/13 with and without hyphens, year, call numbers, Dewey with leading zeros.
  () =>
    build({
      name: 'library_catalogue',
      seed: 127,
      rows: 1300,
      delimiter: '|',
      eol: '\r\n',
      columns: [
        {
          name: 'ISBN',
          type: 'text',
          cell: (r) => {
            const base = `978${String(r.int(0, 999999999)).padStart(9, '0')}`;
            let sum = 0;
            for (let k = 0; k < 12; k++) sum += Number(base[k]) * (k % 2 ? 3 : 1);
            const isbn = base + ((10 - (sum % 10)) % 10);
            const v = r.chance(0.5) ? isbn : `${isbn.slice(0, 3)}-${isbn.slice(3, 4)}-${isbn.slice(4, 8)}-${isbn.slice(8, 12)}-${isbn.slice(12)}`;
            return [v, v];
          },
        },
        { name: 'Title', type: 'text', cell: text(['Faust, Teil 1', 'Les Misérables', 'Don Quijote', 'The "Hobbit"', 'Il nome della rosa']) },
        { name: 'Year', type: 'integer', cell: intIn(1850, 2024), nullRate: 0.03, nulls: ['n.d.', ''] },
        {
          name: 'Call Number',
          type: 'text',
          cell: textFn((r) => `${r.pick(['QA', 'PR', 'PT', 'PQ'])}${r.int(1, 9999)}.${r.pick(['A', 'B', 'J', 'S'])}${r.int(10, 99)} ${r.int(1900, 2024)}`),
        },
        { name: 'Dewey', type: 'text', cell: textFn((r) => `${String(r.int(0, 999)).padStart(3, '0')}.${r.int(1, 999)}`) },
        { name: 'Copies', type: 'integer', cell: intIn(0, 12) },
        { name: 'Price', type: 'decimal', cell: money(300, {}) },
      ],
    }),
  // Numeric columns clean for most rows, then late thousands separators and garbage.
  () =>
    build({
      name: 'late_oddities',
      seed: 128,
      rows: 3000,
      delimiter: ';',
      columns: [
        { name: 'pos', type: 'integer', cell: seq(1) },
        {
          name: 'betrag',
          type: 'decimal',
          cell: (r, i, n) => {
            const c = i >= n * 0.97 ? r.int(100000, 9999999) : r.int(1, 99999);
            return [num(c / 100, { dec: ',', grp: '.' }), c / 100];
          },
        },
        {
          name: 'menge',
          type: 'integer',
          cell: (r, i, n) => ((v) => [group(String(v), '.'), v])(i < n * 0.98 ? r.int(1, 999) : r.chance(0.5) ? r.int(1000, 90000) : r.int(1000000, 2000000)),
        },
        { name: 'datum', type: 'date', cell: (r, i, n) => (i >= n * 0.97 ? dateCell(ymd)(r) : dateCell(dmy('.'))(r)) },
        { name: 'wert', type: 'decimal', cell: (r, i, n) => (i >= n * 0.99 && r.chance(0.5) ? ['#NV', null] : money(999, { dec: ',' })(r)) },
      ],
    }),
  // US dates where the day > 12 only shows up late; UK dates likewise.
  () =>
    build({
      name: 'dates_us_uk_late',
      seed: 129,
      rows: 1500,
      columns: [
        { name: 'row', type: 'integer', cell: seq(1) },
        {
          name: 'us_date',
          type: 'date',
          cell: (r, i, n) => {
            const p = day(r);
            const q = i >= n * 0.95 ? p : dateParts(new Date(Date.UTC(p.y, p.m - 1, r.int(1, 12))));
            return [mdyUS(q), q.iso];
          },
        },
        {
          name: 'uk_date',
          type: 'date',
          cell: (r, i, n) => {
            const p = day(r);
            const q = i >= n * 0.95 ? p : dateParts(new Date(Date.UTC(p.y, p.m - 1, r.int(1, 12))));
            return [dmy('/')(q), q.iso];
          },
        },
        { name: 'us_short', type: 'date', cell: dateCell((p) => `${p.m}/${p.d}/${p.y}`), pad: 0.03 },
      ],
    }),
  // Percentages in several spellings.
  () =>
    build({
      name: 'percentages',
      seed: 130,
      rows: 500,
      delimiter: ';',
      columns: [
        { name: 'kpi', type: 'text', cell: (_r, i) => [`KPI ${i + 1}`, `KPI ${i + 1}`] },
        { name: 'anteil', type: 'decimal', scale: 0.01, cell: (r) => ((v) => [`${num(v, { dec: ',', dp: 1 })} %`, v])(r.int(0, 1000) / 10) },
        { name: 'share', type: 'decimal', scale: 0.01, cell: (r) => ((v) => [`${num(v, { dp: 2 })}%`, v])(r.int(-500, 10000) / 100) },
      ],
    }),
  // Sensor readings: doubles with scientific notation and many digits.
  () =>
    build({
      name: 'sensor_readings',
      seed: 131,
      rows: 2500,
      columns: [
        { name: 'ts', type: 'timestamp', cell: (_r, i) => ((p) => [`${p.isoTs}Z`, p.isoTs])(dateParts(new Date(Date.UTC(2024, 0, 1) + i * 60000))) },
        { name: 'sensor', type: 'text', cell: text(['t-01', 't-02', 'p-07']) },
        {
          name: 'value',
          type: 'double',
          cell: (r) => {
            const v = (r.f() - 0.3) * 10 ** r.int(-6, 6);
            const s = r.chance(0.3) ? v.toExponential(6) : String(v);
            return [s, Number(s)];
          },
        },
        { name: 'voltage', type: 'double', cell: (r) => ((v) => [String(v), v])(Number((3 + r.f()).toPrecision(12))) },
        { name: 'ok', type: 'boolean', cell: bool(['true'], ['false']), nullRate: 0.02, nulls: ['null'] },
      ],
    }),
  // Null tokens of many kinds in an otherwise clean file, with CRLF and stray spaces.
  () =>
    build({
      name: 'null_tokens',
      seed: 132,
      rows: 1000,
      eol: '\r\n',
      nulls: ['', 'NA', 'N/A', 'null', '-'],
      columns: [
        { name: 'id', type: 'integer', cell: seq(1) },
        { name: 'amount', type: 'decimal', cell: money(5000, {}), nullRate: 0.1, pad: 0.05 },
        { name: 'when', type: 'date', cell: dateCell(ymd), nullRate: 0.1 },
        { name: 'count', type: 'integer', cell: intIn(0, 500), nullRate: 0.1, pad: 0.05 },
        { name: 'label', type: 'text', cell: text(['alpha', 'beta', 'gamma', 'delta']), nullRate: 0.1, nulls: [''] },
        { name: 'flag', type: 'boolean', cell: bool(['true'], ['false']), nullRate: 0.1 },
      ],
    }),
  // ---------- conventions not in the listed set ----------
  () =>
    build({
      name: 'ventas_es_ar',
      seed: 201,
      unlisted: true,
      rows: 900,
      delimiter: ';',
      columns: [
        { name: 'comprobante', type: 'integer', cell: seq(1) },
        { name: 'fecha', type: 'date', cell: dateCell(dmy('/')) },
        { name: 'importe', type: 'decimal', cell: money(900000, { dec: ',', grp: '.' }, (s) => `$ ${s}`, 0.05) },
        { name: 'pagado', type: 'boolean', cell: bool(['sí', 'Si'], ['no', 'No']) },
      ],
    }),
  () =>
    build({
      name: 'faturas_pt_pt',
      seed: 202,
      unlisted: true,
      rows: 800,
      delimiter: ';',
      columns: [
        { name: 'fatura', type: 'integer', cell: seq(1) },
        { name: 'data', type: 'date', cell: dateCell((p) => `${p.d} de ${MONTHS.pt[p.m - 1]} de ${p.y}`) },
        { name: 'vencimento', type: 'date', cell: dateCell(dmy('/')) },
        { name: 'valor', type: 'decimal', cell: money(90000, { dec: ',', grp: ' ' }, (s) => `${s} €`) },
        { name: 'pago', type: 'boolean', cell: bool(['sim', 'Sim'], ['não', 'Não']) },
      ],
    }),
  () =>
    build({
      name: 'zamowienia_pl_pl',
      seed: 203,
      unlisted: true,
      rows: 800,
      delimiter: ';',
      columns: [
        { name: 'zamówienie', type: 'integer', cell: seq(1) },
        { name: 'data', type: 'date', cell: dateCell((p) => `${p.d} ${MONTHS.plGen[p.m - 1]} ${p.y}`) },
        { name: 'data_dostawy', type: 'date', cell: dateCell(dmy('.')) },
        { name: 'wartość', type: 'decimal', cell: money(500000, { dec: ',', grp: ' ' }) },
        { name: 'opłacone', type: 'boolean', cell: bool(['tak', 'Tak'], ['nie', 'Nie']) },
      ],
    }),
  () =>
    build({
      name: 'fakturor_sv_se',
      seed: 204,
      unlisted: true,
      rows: 800,
      delimiter: ';',
      columns: [
        { name: 'faktura', type: 'integer', cell: seq(1) },
        { name: 'datum', type: 'date', cell: dateCell(ymd) },
        { name: 'belopp', type: 'decimal', cell: money(500000, { dec: ',', grp: '\u00A0', minus: '\u2212' }, (s) => `${s} kr`, 0.1) },
        { name: 'betald', type: 'boolean', cell: bool(['ja', 'Ja'], ['nej', 'Nej']) },
      ],
    }),
  () =>
    build({
      name: 'faktury_cs_cz',
      seed: 205,
      unlisted: true,
      rows: 700,
      delimiter: ';',
      columns: [
        { name: 'číslo', type: 'integer', cell: seq(1) },
        { name: 'datum', type: 'date', cell: dateCell((p) => `${p.d}. ${p.m}. ${p.y}`) },
        { name: 'částka', type: 'decimal', cell: money(900000, { dec: ',', grp: '\u00A0' }, (s) => `${s} Kč`) },
        { name: 'zaplaceno', type: 'boolean', cell: bool(['ano', 'Ano'], ['ne', 'Ne']) },
      ],
    }),
  () =>
    build({
      name: 'faturalar_tr_tr',
      seed: 206,
      unlisted: true,
      rows: 700,
      delimiter: ';',
      columns: [
        { name: 'fatura_no', type: 'integer', cell: seq(1) },
        { name: 'tarih', type: 'date', cell: dateCell(dmy('.')) },
        { name: 'tutar', type: 'decimal', cell: money(900000, { dec: ',', grp: '.' }, (s) => (s.length % 2 ? `₺${s}` : `${s} TL`)) },
        { name: 'ödendi', type: 'boolean', cell: bool(['evet', 'Evet'], ['hayır', 'Hayır']) },
      ],
    }),
  () =>
    build({
      name: 'uriage_ja_jp',
      seed: 207,
      unlisted: true,
      rows: 900,
      columns: [
        { name: '伝票番号', type: 'integer', cell: seq(1) },
        { name: '日付', type: 'date', cell: dateCell((p) => `${p.y}/${pad2(p.m)}/${pad2(p.d)}`) },
        { name: '時刻', type: 'timestamp', cell: tsCell((p) => [`${p.y}/${pad2(p.m)}/${pad2(p.d)} ${pad2(p.H)}:${pad2(p.M)}:${pad2(p.S)}`]) },
        { name: '金額', type: 'integer', cell: (r) => ((v) => [`${r.chance(0.5) ? '￥' : '¥'}${group(String(v), ',')}`, v])(r.int(100, 9000000)) },
      ],
    }),
  () =>
    build({
      name: 'heshbonit_he_il',
      seed: 208,
      unlisted: true,
      rows: 600,
      columns: [
        { name: 'מספר', type: 'integer', cell: seq(1) },
        { name: 'תאריך', type: 'date', cell: dateCell(dmy('.')) },
        { name: 'סכום', type: 'decimal', cell: money(90000, { grp: ',' }, (s) => (s.length % 2 ? `₪ ${s}` : `\u200F${s} ₪`)) },
      ],
    }),
  () =>
    build({
      name: 'faktur_id_id',
      seed: 209,
      unlisted: true,
      rows: 700,
      delimiter: ';',
      columns: [
        { name: 'no_faktur', type: 'integer', cell: seq(1) },
        { name: 'tanggal', type: 'date', cell: dateCell(dmy('/')) },
        {
          name: 'jumlah',
          type: 'integer',
          cell: (r) => ((v) => [r.chance(0.5) ? `Rp ${group(String(v), '.')}` : `Rp${group(String(v), '.')},00`, v])(r.int(1000, 90000000)),
        },
        { name: 'lunas', type: 'boolean', cell: bool(['ya', 'Ya'], ['tidak', 'Tidak']) },
      ],
    }),
  // US Excel export: unpadded m/d/Y with 12-hour times.
  () =>
    build({
      name: 'excel_us_ampm',
      seed: 211,
      unlisted: true,
      rows: 800,
      eol: '\r\n',
      columns: [
        { name: 'Order ID', type: 'integer', cell: seq(100) },
        {
          name: 'Order Time',
          type: 'timestamp',
          cell: tsCell((p) => [`${p.m}/${p.d}/${p.y} ${((p.H + 11) % 12) + 1}:${pad2(p.M)}:${pad2(p.S)} ${p.H < 12 ? 'AM' : 'PM'}`]),
        },
        { name: 'Ship Date', type: 'date', cell: dateCell((p) => `${p.m}/${p.d}/${p.y}`) },
        { name: 'Total', type: 'decimal', cell: money(20000, { grp: ',' }, (s, neg) => (neg ? `-$${s.slice(1)}` : `$${s}`), 0.05) },
      ],
    }),
  // SAP-style trailing minus.
  () =>
    build({
      name: 'sap_trailing_minus',
      seed: 210,
      unlisted: true,
      rows: 1000,
      delimiter: ';',
      columns: [
        { name: 'Beleg', type: 'integer', cell: seq(4900000001) },
        { name: 'Buchungsdatum', type: 'date', cell: dateCell(dmy('.')) },
        { name: 'Betrag in HW', type: 'decimal', cell: money(500000, { dec: ',', grp: '.' }, (s, neg) => (neg ? `${s.slice(1)}-` : s), 0.3) },
      ],
    }),
];

/** Every fixture, generated (deterministic: the same text and truth on every call). */
export function typingFixtures() {
  return fixtures.map((make) => make());
}
