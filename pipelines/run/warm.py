"""Imported once by the forkserver of the worker pool (pipelines/run/isolation.py): the readers
and the built spaCy pipeline are then inherited by every worker it forks, copy-on-write."""
import pipelines.run.document  # noqa: F401  (the readers and row shaping)

try:
    from pipelines.run.document import nlp_for
    from pipelines.settings import get_settings

    nlp_for(get_settings())  # the same cache entry the documents will use
except Exception:  # noqa: BLE001 - a broken extractor is reported per document, not here
    pass
