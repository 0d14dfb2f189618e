"""`accords watch`: run the flow whenever files in raw/ settle after a change."""
from __future__ import annotations

import threading
import time
from pathlib import Path

from watchdog.events import FileSystemEventHandler
from watchdog.observers import Observer


class _Debouncer(FileSystemEventHandler):
    """Collects events; a run starts once raw/ has been quiet for ``debounce_s`` seconds."""

    def __init__(self, debounce_s: float):
        self.debounce_s = debounce_s
        self.last_event = 0.0
        self.pending = threading.Event()

    def on_any_event(self, event) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return
        self.last_event = time.monotonic()
        self.pending.set()

    def wait_for_quiet(self, stop: threading.Event) -> bool:
        while not stop.is_set():
            if self.pending.wait(0.5) and time.monotonic() - self.last_event >= self.debounce_s:
                self.pending.clear()
                return True
        return False


def watch(raw_dir: Path, processed_dir: Path, debounce_s: float = 2.0, use_prefect: bool = True,
          stop: threading.Event | None = None, run_first: bool = True) -> None:
    """Block, running one incremental run per burst of changes, until ``stop`` is set (or Ctrl-C)."""
    if use_prefect:
        from pipelines.flows.ingest import ingest

        def run_once():
            return ingest(raw_dir=str(raw_dir), processed_dir=str(processed_dir))
    else:
        from pipelines.run.execute import run_pipeline

        def run_once():
            return run_pipeline(raw_dir, processed_dir).__dict__

    stop = stop or threading.Event()
    handler = _Debouncer(debounce_s)
    observer = Observer()
    observer.schedule(handler, str(raw_dir), recursive=True)
    observer.start()
    print(f"watching {raw_dir} (Ctrl-C to stop)", flush=True)
    try:
        if run_first:
            print(run_once(), flush=True)
        while handler.wait_for_quiet(stop):
            print(run_once(), flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        observer.stop()
        observer.join()
