import fs from 'node:fs';
import path from 'node:path';
import { CONFIG_FILE } from '../../config/load.js';
import type { Command } from '../context.js';
import { parse } from '../context.js';

export const SAMPLE_CONFIG = `# sluice.yaml: the pipeline spec. Every key is optional; see docs/sluice-yaml.md.
zones:                      # a folder (relative to this file) for each zone
  raw: data/raw             # drop CSV files here: <dataset>/<file>.csv
  processed: data/processed # typed Parquet, one file per raw file
  final: data/final         # published tables
  quarantine: data/quarantine

defaults:
  nullTokens: ["", "NA", "N/A", "n/a", "null", "NULL", "None", "-", "NaN", "#N/A"]
  dedupe: auto              # auto (identical rows dropped when a key column shows them re-sent) | exact | none
  minTypeShare: 0.95        # share of values that must parse for a column to take a type
  dateOrder: auto           # auto | mdy | dmy, for dates like 03/05/2024
  timezone: UTC             # IANA zone that timestamps without an offset are read in

datasets: {}
#  orders:
#    columns:
#      customer_code: { type: string }
#      amount: { type: "decimal(12,2)", missing: median }
#      country: { case: upper }  # upper | lower | title: "us" and "US" become one value
#    schemaChange: update   # update | log | fail, for files whose schema does not fit

jobs: {}                    # without jobs, each dataset is published to final unchanged
#  orders_clean:
#    source: processed.orders
#    mappings:              # [source, sourceType, target, targetType]; only mapped columns are kept
#      - [order_id, bigint, order_id, bigint]
#      - [amount, double, revenue, "decimal(12,2)"]
#    filter: "revenue > 0"
#    output: { table: orders, csv: true }
dashboards: {}
# notifications:            # signed webhooks (Standard Webhooks); the secret comes from the environment, never this file
#   webhooks:
#     - { url: "https://hooks.example.com/sluice", secretEnv: SLUICE_WEBHOOK_SECRET, events: [schema.changed, file.quarantined] }
`;

export const init: Command = async ({ args, dir, output }) => {
  const { positionals } = parse('init', args, { dir: { type: 'string' } });
  const root = path.resolve(positionals[0] ?? dir);
  fs.mkdirSync(root, { recursive: true });
  const file = path.join(root, CONFIG_FILE);
  const created: string[] = [];
  if (!fs.existsSync(file)) {
    fs.writeFileSync(file, SAMPLE_CONFIG);
    created.push(CONFIG_FILE);
  }
  for (const z of ['raw', 'processed', 'final', 'quarantine']) {
    const p = path.join(root, 'data', z);
    if (!fs.existsSync(p)) {
      fs.mkdirSync(p, { recursive: true });
      created.push(`data/${z}/`);
    }
  }
  output.out(created.length ? `created in ${root}: ${created.join(', ')}\n` : `${root} is already a Sluice project\n`);
  output.out('next: drop CSV files into data/raw/<dataset>/ and run `sluice start`, or `sluice ingest <file>`\n');
  return 0;
};
