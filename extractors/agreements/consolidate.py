"""The corpus tables ``agreements`` and ``agreement_parties``, rebuilt from every
document's ``agreement_mentions`` rows.

Each document already resolved its mentions to an ``agreement_id`` that
depends on nothing but the instrument (type, parties, name key; for a
distinctive proper name such as the CPTPP, type and name key only, so documents
that list different parties for it share it and its parties are unioned here), so the corpus
view is a plain group-by: no document is re-read and the result does not
depend on the order documents were processed in.
"""
from __future__ import annotations

from collections import Counter

import pandas as pd

# A mention that only cites an instrument says nothing about where it stands.
_WEAK_STATUS = "referenced"
_NEVER = "9999"  # documents without a publication date sort after all dated ones


def _sorted_union(values) -> list[str]:
    found = set()
    for value in values:
        if value is None:
            continue
        found.update(v for v in value if v)
    return sorted(found)


def _longest(names) -> str:
    names = [n for n in names if n]
    return min(names, key=lambda n: (-len(n), n)) if names else ""


def _most_common(values) -> str:
    counts = Counter(v for v in values if v)
    return min(counts, key=lambda v: (-counts[v], v))


def _one_agreement(agreement_id: str, group: pd.DataFrame) -> dict:
    """``group``: the instrument's mentions in reading order (publication date,
    document, offset)."""
    statuses = [s for s in group["status"] if s and s != _WEAK_STATUS]
    dates = [d for d in group["date"] if d]
    return {
        "agreement_id": agreement_id,
        "name": _longest(group["name"]),
        "type": _most_common(group["type"]),
        "parties": _sorted_union(group["parties"]),
        "signatories": _sorted_union(group["signatories"]),
        "date": dates[0] if dates else None,
        "status": statuses[-1] if statuses else _WEAK_STATUS,
        "topics": _sorted_union(group["topics"]),
        "first_seen_doc_id": group["doc_id"].iloc[0],
        "n_mentions": len(group),
    }


def build_agreements(mentions: pd.DataFrame, documents: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """``agreements`` and ``agreement_parties`` from all ``agreement_mentions``.

    Per ``agreement_id``: the longest name; the most frequent type; the union
    of parties, signatories and topics; the first date stated; the latest
    status other than ``referenced`` (by the mention's document's
    ``published_date``, then doc_id, then offset); ``first_seen_doc_id`` = the
    earliest published document (then the smallest doc_id); ``n_mentions``.
    Rows are sorted by ``agreement_id`` and then party, so equal input gives
    byte-equal tables.
    """
    party_columns = ["agreement_id", "party"]
    if mentions is None or len(mentions) == 0:
        # The caller gives empty frames the declared columns.
        return {"agreements": pd.DataFrame(), "agreement_parties": pd.DataFrame(columns=party_columns)}
    published = {}
    if documents is not None and len(documents):
        published = dict(zip(documents["doc_id"], documents["published_date"]))
    ordered = mentions.assign(
        _published=[published.get(d) or _NEVER for d in mentions["doc_id"]],
    ).sort_values(["_published", "doc_id", "start_char", "end_char"], kind="stable")
    records = [_one_agreement(agreement_id, group)
               for agreement_id, group in ordered.groupby("agreement_id", sort=True)]
    agreements = pd.DataFrame.from_records(records)
    agreements["n_mentions"] = agreements["n_mentions"].astype("int32")
    agreements = agreements.sort_values("agreement_id", kind="stable").reset_index(drop=True)
    parties = [
        {"agreement_id": row.agreement_id, "party": party}
        for row in agreements.itertuples(index=False)
        for party in row.parties
    ]
    agreement_parties = (
        pd.DataFrame.from_records(parties, columns=party_columns)
        .drop_duplicates()
        .sort_values(party_columns, kind="stable")
        .reset_index(drop=True)
    )
    return {"agreements": agreements, "agreement_parties": agreement_parties}
