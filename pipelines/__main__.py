"""``python -m pipelines``: the ``accords`` command line."""
import sys

from pipelines.cli import main

sys.exit(main())
