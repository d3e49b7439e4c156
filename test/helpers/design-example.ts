/** The `sluice.yaml` example of the design document (DESIGN.md), verbatim. */
export const DESIGN_EXAMPLE = `zones:                      # where each zone lives: a folder or s3://bucket/prefix
  raw: data/raw
  processed: data/processed
  final: data/final
  quarantine: data/quarantine
defaults:                   # preprocessing defaults for every dataset
  nullTokens: ["", "NA", "N/A", "null", "-"]
  dedupe: exact
datasets:                   # per dataset (first segment of the raw key)
  orders:
    columns:
      customer_code: { type: text }
      amount: { type: decimal, missing: median }
    rules:
      - { column: amount, min: 0 }
    schemaChange: update    # update | log | fail  (like Glue's SchemaChangePolicy)
jobs:                       # transform jobs (Glue jobs)
  orders_clean:
    source: processed.orders
    mode: incremental       # incremental | full
    mappings:               # Glue ApplyMapping: [source, sourceType, target, targetType]
      - [order_id, bigint, order_id, bigint]
      - [amount, double, revenue, "decimal(12,2)"]
      - [order_date, date, order_date, date]
      - [country, string, country, string]
    derive:
      order_month: "strftime(order_date, '%Y-%m')"
    filter: "revenue > 0"
    output: { table: orders, partitionBy: [order_month], csv: true }
  revenue_by_country:
    source: final.orders
    mode: full
    aggregate:
      groupBy: [country]
      measures: { revenue: "sum(revenue)", orders: "count(*)" }
    output: { table: revenue_by_country }
dashboards: {}              # see the dashboards issue
`;
