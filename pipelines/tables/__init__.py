"""The output tables: their declared schema, the versioned Parquet store, the corpus tables
derived from the per-document ones, the analysts' loader and the data dictionary.
"""
