"""The one analytics engine: the Parquet store of high-volume facts and the Ibis pipelines
that compute on it (DuckDB in-process by default, Spark when configured).

Pure by design: nothing here touches Django models. Apps hand in plain tables (partner keys,
product catalogue, segments, weights) and get Arrow tables back; their services write the
results to the transactional database.
"""
