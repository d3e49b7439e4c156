# Glue job for jobs.customer_orders in sluice.yaml, written by `sluice deploy aws` (which writes it again: do not edit).
# It runs the steps the local engine runs, in the same order (src/stages/transform/plan.ts); names and expressions
# from sluice.yaml appear only in string literals, expressions translated from DuckDB SQL (src/infra/glue/translate.ts).
# Mode full: each run reads every input, and replaces the output files and the catalog table.
import sys

import boto3
from awsglue.context import GlueContext
from awsglue.dynamicframe import DynamicFrame
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext
from pyspark.sql import functions as F
from pyspark.sql.window import Window

args = getResolvedOptions(sys.argv, ["JOB_NAME", "sluice_final_bucket"])
FINAL_BUCKET = args["sluice_final_bucket"]  # the final zone's bucket, from the job's default arguments
FINAL_ROOT = "s3://" + FINAL_BUCKET + "/"
glue_context = GlueContext(SparkContext.getOrCreate())
spark = glue_context.spark_session
# The translated expressions mean what DuckDB means under these settings: NULL (not an error) where a value
# does not convert, and UTC, the local engine's time zone.
spark.conf.set("spark.sql.ansi.enabled", "false")
spark.conf.set("spark.sql.session.timeZone", "UTC")
job = Job(glue_context)
job.init(args["JOB_NAME"], args)

FORMULA_START = "^[=+\\-@\\t\\r]"
PLAIN_NUMBER = "^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$"


def col(name):
    """A column by its exact name: dots and backticks are part of a name, never paths."""
    return F.col("`" + name.replace("`", "``") + "`")


def derive(df, name, expression):
    """A derived column; one named like an existing column (in any case) replaces it where it stands."""
    existing = next((c for c in df.columns if c.lower() == name.lower()), None)
    if existing is None:
        return df.withColumn(name, F.expr(expression))
    return df.select(*[F.expr(expression).alias(c) if c == existing else col(c) for c in df.columns])


def join(df, right, where, how, keys, columns, prefix):
    """The local engine's join: every left column, then the right table's columns (all but its keys
    unless listed) named prefix + name. Same-name keys of a right or full join take the value of
    whichever side has one. keys: (left column, right column) pairs."""
    right_keys = {r for _, r in keys}
    taken = columns if columns is not None else [c for c in right.columns if c not in right_keys]
    names = [c.lower() for c in df.columns]
    for c in taken:
        if (prefix + c).lower() in names or (prefix + c).lower().startswith("__sluice"):
            raise ValueError(where + ": " + c + " would be named " + prefix + c + ", which the job already has; set the join's prefix or list its columns")
        names.append((prefix + c).lower())
    key_names = ["__sluice_key_" + str(i) for i in range(len(keys))]
    right = right.select(*[col(r).alias(k) for (_, r), k in zip(keys, key_names)], *[col(c).alias(prefix + c) for c in taken])
    condition = [col(l) == col(k) for (l, _), k in zip(keys, key_names)]
    joined = df.join(right, on=condition, how=how)
    same = {l: k for (l, r), k in zip(keys, key_names) if l == r and how in ("right", "full")}
    left = [F.coalesce(col(c), col(same[c])).alias(c) if c in same else col(c) for c in df.columns]
    return joined.select(*left, *[col(prefix + c) for c in taken])


def replace_table(path, database, table):
    """full mode: the old files and the old table definition go, so the catalog lists exactly what this run writes."""
    glue_context.purge_s3_path(path, options={"retentionPeriod": 0})
    glue = boto3.client("glue")
    try:
        glue.delete_table(DatabaseName=database, Name=table)
    except glue.exceptions.EntityNotFoundException:
        pass


def write_table(df, path, database, table, partition_keys, compression):
    """Parquet files under path, and the table (its schema and partitions) in the Data Catalog."""
    sink = glue_context.getSink(
        connection_type="s3",
        path=path,
        enableUpdateCatalog=True,
        updateBehavior="UPDATE_IN_DATABASE",
        partitionKeys=partition_keys,
    )
    sink.setCatalogInfo(catalogDatabase=database, catalogTableName=table)
    sink.setFormat("parquet", useGlueParquetWriter=True, compression=compression)
    sink.writeFrame(DynamicFrame.fromDF(df, glue_context, "output"))


def write_csv(df, path, mode, manifest_bucket, manifest_key, manifest):
    """The CSV copy for people and QuickSight, as the local engine writes it: a header, RFC 4180 quotes,
    timestamps as text, and a leading apostrophe on text a spreadsheet would run as a formula."""
    columns = []
    for name, kind in df.dtypes:
        c = col(name)
        if kind == "string":
            c = F.when(c.rlike(FORMULA_START) & ~c.rlike(PLAIN_NUMBER), F.concat(F.lit("'"), c)).otherwise(c)
        elif kind == "timestamp":
            c = c.cast("string")
        columns.append(c.alias(name))
    df.select(*columns).write.mode(mode).option("header", True).option("escape", '"').csv(path)
    boto3.client("s3").put_object(Bucket=manifest_bucket, Key=manifest_key, Body=manifest.encode("utf-8"))


def run():
    # source: processed.orders, every file
    frame = glue_context.create_dynamic_frame.from_catalog(database="sluice_processed", table_name="orders")
    if frame.toDF().rdd.isEmpty():
        # no input: the output is emptied, as locally
        glue_context.purge_s3_path(FINAL_ROOT + "customer_orders/", options={"retentionPeriod": 0})
        glue_context.purge_s3_path(FINAL_ROOT + "_csv/customer_orders/", options={"retentionPeriod": 0})
        return
    df = frame.toDF()
    # rename: all at once, so names may be swapped
    renames = {"amount": "revenue", "customer_code": "customer"}
    df = df.select(*[col(c).alias(renames.get(c, c)) for c in df.columns])
    # drop
    dropped = ["internal_note"]
    df = df.select(*[col(c) for c in df.columns if c not in dropped])
    # join: left join processed.customers on join.on
    right = glue_context.create_dynamic_frame.from_catalog(database="sluice_processed", table_name="customers").toDF()
    df = join(df, right, "jobs.customer_orders.join", "left", [("customer", "code")], ["name", "segment"], "customer_")
    # derive.revenue
    df = derive(df, "revenue", "round((`revenue` * 1.2), 2)")
    # dedupe: one row per dedupe.keys, the last in dedupe.orderBy order
    window = Window.partitionBy(col("order_id")).orderBy(col("updated_at").desc_nulls_last())
    df = df.withColumn("__sluice_rn", F.row_number().over(window)).filter(F.col("__sluice_rn") == 1).drop("__sluice_rn")
    # sort (within each output.partitionBy folder)
    df = df.orderBy(col("customer_segment").asc_nulls_last(), col("customer_name").asc_nulls_last(), col("revenue").desc_nulls_first())
    df = df.cache()  # written twice: Parquet, then CSV
    # output: final.customer_orders, Parquet (snappy) in output.partitionBy folders
    replace_table(FINAL_ROOT + "customer_orders/", "sluice_final", "customer_orders")
    write_table(df, FINAL_ROOT + "customer_orders/", "sluice_final", "customer_orders", ["customer_segment"], "snappy")
    # output.csv: a CSV copy in _csv/ and its QuickSight manifest
    write_csv(df, FINAL_ROOT + "_csv/customer_orders/", "overwrite", FINAL_BUCKET, "_csv/customer_orders.manifest.json", "{\n  \"fileLocations\": [\n    {\n      \"URIPrefixes\": [\n        \"s3://{final_bucket}/_csv/customer_orders/\"\n      ]\n    }\n  ],\n  \"globalUploadSettings\": {\n    \"format\": \"CSV\",\n    \"delimiter\": \",\",\n    \"textqualifier\": \"\\\"\",\n    \"containsHeader\": \"true\"\n  }\n}\n".replace("s3://{final_bucket}/", FINAL_ROOT))


run()
job.commit()
