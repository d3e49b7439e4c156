/** Raw keys for `sluice ingest` arguments, as DESIGN.md fixes them: `<dataset>/<file>` for a file, the folder's tree for a folder. */
import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from '../core/errors.js';
import { INPUT_ENDINGS_TEXT, isInputKey, validateKey } from '../core/keys.js';

export function ingestKeys(paths: string[], dataset?: string): { file: string; key: string }[] {
  const out: { file: string; key: string }[] = [];
  for (const p of paths) {
    const abs = path.resolve(p);
    let st: fs.Stats;
    try {
      st = fs.statSync(abs);
    } catch {
      throw new UsageError(`${p}: no such file or directory`);
    }
    if (st.isDirectory()) {
      const base = dataset ?? path.basename(abs);
      for (const file of walk(abs)) {
        const rel = path.relative(abs, file).split(path.sep).join('/');
        const key = `${base}/${rel}`;
        if (isInputKey(key)) out.push({ file, key: validateKey(key) });
      }
    } else {
      const name = path.basename(abs);
      const key = dataset ? `${dataset}/${name}` : name;
      if (!isInputKey(key)) throw new UsageError(`${p}: not an input file (expected ${INPUT_ENDINGS_TEXT})`);
      out.push({ file: abs, key: validateKey(key) });
    }
  }
  return out;
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}
