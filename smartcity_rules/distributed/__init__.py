"""Scoring a distributed table (Spark, Dask) where it lives; the public modules are smartcity_rules.spark and .dask."""
