"""Corpus-level agreements from per-document mentions (group by agreement_id).

PLACEHOLDER written by the lead so the store can be tested; the agreements
extractor replaces it.
"""
from __future__ import annotations

import pandas as pd

AGREEMENT_COLUMNS = ["agreement_id", "name", "type", "parties", "signatories", "date", "status", "topics",
                     "first_seen_doc_id", "n_mentions"]


def build_agreements(mentions: pd.DataFrame, documents: pd.DataFrame) -> dict[str, pd.DataFrame]:
    if mentions.empty:
        return {"agreements": pd.DataFrame(columns=AGREEMENT_COLUMNS),
                "agreement_parties": pd.DataFrame(columns=["agreement_id", "party"])}
    rows = []
    for agreement_id, group in mentions.groupby("agreement_id", sort=True):
        group = group.sort_values(["doc_id", "start_char"])
        rows.append({
            "agreement_id": agreement_id,
            "name": max(group["name"], key=lambda n: (len(n), n)),
            "type": group["type"].iloc[0],
            "parties": sorted({p for ps in group["parties"] for p in ps}),
            "signatories": sorted({p for ps in group["signatories"] for p in ps}),
            "date": next((d for d in group["date"] if d), None),
            "status": group["status"].dropna().iloc[-1] if group["status"].notna().any() else "referenced",
            "topics": sorted({p for ps in group["topics"] for p in ps}),
            "first_seen_doc_id": group["doc_id"].iloc[0],
            "n_mentions": len(group),
        })
    agreements = pd.DataFrame(rows, columns=AGREEMENT_COLUMNS)
    parties = [{"agreement_id": r["agreement_id"], "party": p} for r in rows for p in r["parties"]]
    return {"agreements": agreements, "agreement_parties": pd.DataFrame(parties, columns=["agreement_id", "party"])}
