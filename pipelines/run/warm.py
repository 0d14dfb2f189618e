"""Imported once by the forkserver of the worker pool (pipelines/run/isolation.py): the readers
and the built spaCy pipeline are then inherited by every worker it forks, copy-on-write."""
import pipelines.run.document  # noqa: F401  (the readers and row shaping)

try:
    from extractors.pipeline import default_nlp

    default_nlp()
except Exception:  # noqa: BLE001 - a broken extractor is reported per document, not here
    pass
