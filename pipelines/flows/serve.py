"""`accords serve`: the deployments of prefect.yaml, served from one process.

Needs a running Prefect server (``prefect server start``) so the schedules
fire; reads the deployments from prefect.yaml so the two never disagree.

``pipelines/flows/prefect.yaml`` is a symbolic link to the repository's ``prefect.yaml``
(the one ``prefect deploy`` reads and people edit): a checkout reads that file, and a
wheel carries its content as package data, so ``accords serve`` works without a checkout.
"""
from __future__ import annotations

from pathlib import Path

import yaml
from prefect.schedules import Cron

from pipelines.flows.ingest import ingest

PREFECT_YAML = Path(__file__).with_name("prefect.yaml")


def deployments_from_yaml(path: Path = PREFECT_YAML, raw_dir: str | None = None,
                          processed_dir: str | None = None) -> list:
    spec = yaml.safe_load(path.read_text())
    out = []
    for d in spec["deployments"]:
        params = dict(d.get("parameters", {}))
        if raw_dir:
            params["raw_dir"] = raw_dir
        if processed_dir:
            params["processed_dir"] = processed_dir
        schedule = d["schedules"][0]
        out.append(ingest.to_deployment(name=d["name"], description=d.get("description"), parameters=params,
                                        schedule=Cron(schedule["cron"], timezone=schedule.get("timezone", "UTC"))))
    return out


def serve(raw_dir: str | None = None, processed_dir: str | None = None) -> None:
    from prefect import serve as prefect_serve

    # One flow run at a time: the deployments share one store and both fire on Sundays at
    # 03:00 UTC; the second run stays scheduled until the first has finished.
    prefect_serve(*deployments_from_yaml(raw_dir=raw_dir, processed_dir=processed_dir), limit=1)
