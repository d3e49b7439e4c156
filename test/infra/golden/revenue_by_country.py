# Glue job for jobs.revenue_by_country in sluice.yaml, written by `sluice deploy aws` (which writes it again: do not edit).
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


def col(name):
    """A column by its exact name: dots and backticks are part of a name, never paths."""
    return F.col("`" + name.replace("`", "``") + "`")


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


def run():
    # source: final.orders, every file
    frame = glue_context.create_dynamic_frame.from_catalog(database="sluice_final", table_name="orders")
    if frame.toDF().rdd.isEmpty():
        # no input: the output is emptied, as locally
        glue_context.purge_s3_path(FINAL_ROOT + "revenue_by_country/", options={"retentionPeriod": 0})
        return
    df = frame.toDF()
    # aggregate: one row per aggregate.groupBy, measures revenue, orders
    df = df.groupBy(col("country")).agg(F.expr("sum(`revenue`)").alias("revenue"), F.expr("count(*)").alias("orders"))
    # sort: none given; Spark writes rows in the order it computes them
    # output: final.revenue_by_country, Parquet (zstd)
    replace_table(FINAL_ROOT + "revenue_by_country/", "sluice_final", "revenue_by_country")
    write_table(df, FINAL_ROOT + "revenue_by_country/", "sluice_final", "revenue_by_country", [], "zstd")


run()
job.commit()
