# Glue job for jobs.orders_clean in sluice.yaml, written by `sluice deploy aws` (which writes it again: do not edit).
# It runs the steps the local engine runs, in the same order (src/stages/transform/plan.ts); names and expressions
# from sluice.yaml appear only in string literals, expressions translated from DuckDB SQL (src/infra/glue/translate.ts).
# Mode incremental: job bookmarks give each run the source files new since the last committed run; their rows are added.
import sys

import boto3
from awsglue.context import GlueContext
from awsglue.dynamicframe import DynamicFrame
from awsglue.job import Job
from awsglue.transforms import ApplyMapping
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext
from pyspark.sql import functions as F

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
    # source: processed.orders, the files new since the last committed run (job bookmark "source")
    frame = glue_context.create_dynamic_frame.from_catalog(database="sluice_processed", table_name="orders", transformation_ctx="source")
    if frame.toDF().rdd.isEmpty():
        return  # nothing new since the last run
    # mappings: ApplyMapping keeps only the mapped columns, converting each to its target type
    frame = ApplyMapping.apply(
        frame=frame,
        mappings=[
            ("order_id", "bigint", "order_id", "bigint"),
            ("amount", "double", "revenue", "decimal(12,2)"),
            ("order_date", "date", "order_date", "date"),
            ("country", "string", "country", "string"),
        ],
        transformation_ctx="mappings",
    )
    df = frame.toDF()
    # derive.order_month
    df = derive(df, "order_month", "date_format(`order_date`, 'yyyy-MM')")
    # filter: the rows where it is not true go
    df = df.filter(F.expr("(`revenue` > 0)"))
    # sort: none given; Spark writes rows in the order it computes them
    df = df.cache()  # written twice: Parquet, then CSV
    # output: final.orders, Parquet (zstd) in output.partitionBy folders
    write_table(df, FINAL_ROOT + "orders/", "sluice_final", "orders", ["order_month"], "zstd")
    # output.csv: a CSV copy in _csv/ and its QuickSight manifest
    write_csv(df, FINAL_ROOT + "_csv/orders/", "append", FINAL_BUCKET, "_csv/orders.manifest.json", "{\n  \"fileLocations\": [\n    {\n      \"URIPrefixes\": [\n        \"s3://{final_bucket}/_csv/orders/\"\n      ]\n    }\n  ],\n  \"globalUploadSettings\": {\n    \"format\": \"CSV\",\n    \"delimiter\": \",\",\n    \"textqualifier\": \"\\\"\",\n    \"containsHeader\": \"true\"\n  }\n}\n".replace("s3://{final_bucket}/", FINAL_ROOT))


run()
job.commit()
