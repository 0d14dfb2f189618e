"""Rule-based spaCy extractors: entities, dates, commitments and agreements.

Nothing here imports Prefect or knows about files: the input is a
:class:`extractors.document.DocumentInput` (clean text, blocks, metadata) and
the output is rows for the tables declared in ``pipelines/schema.py``.
"""
