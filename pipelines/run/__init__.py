"""One run over raw/: plan what changed, read and extract each document in isolated
workers, spool the rows, and commit a new version of the tables.
"""
