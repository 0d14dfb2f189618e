"""Cross-document deduplication of agreements: the same named instrument in
several documents is one agreement (parties unioned, mentions summed); different
instruments with similar names stay apart."""
from __future__ import annotations

import pandas as pd

from extractors.agreements.component import rows
from extractors.agreements.consolidate import build_agreements
from extractors.document import DocumentInput
from extractors.pipeline import default_nlp, make_doc


def corpus(texts: dict[str, str]) -> pd.DataFrame:
    """``agreements`` table of the documents ``{doc_id: text}``."""
    nlp = default_nlp()
    found = []
    for doc_id, text in texts.items():
        doc = make_doc(DocumentInput(doc_id=doc_id, text=text), nlp)
        found += [{**row, "doc_id": doc_id} for row in rows(doc)]
    documents = pd.DataFrame({"doc_id": list(texts), "published_date": [None] * len(texts)})
    return build_agreements(pd.DataFrame(found), documents)["agreements"]


def named(agreements: pd.DataFrame, fragment: str) -> pd.DataFrame:
    return agreements[agreements["name"].str.lower().str.contains(fragment.lower(), regex=False)]


def test_same_named_treaty_with_different_parties_is_one_agreement():
    agreements = corpus({
        "a": "Japan and Singapore reaffirmed their commitment to the Comprehensive and Progressive Agreement "
             "for Trans-Pacific Partnership (CPTPP). Both countries will uphold the CPTPP.",
        "b": "Japan will continue to lead the Comprehensive and Progressive Agreement for Trans-Pacific "
             "Partnership (CPTPP) and its high standards.",
    })
    cptpp = named(agreements, "Trans-Pacific")
    assert len(cptpp) == 1, list(agreements["name"])
    row = cptpp.iloc[0]
    assert set(row["parties"]) == {"JPN", "SGP"}
    assert row["n_mentions"] == 3
    assert row["first_seen_doc_id"] == "a"


def test_one_record_keeps_one_id_whatever_name_it_is_called_by():
    agreements = corpus({
        "a": "The European Union and the Republic of Indonesia today concluded negotiations on a Comprehensive "
             "Economic Partnership Agreement (CEPA). Negotiations on the EU-Indonesia CEPA were launched in "
             "July 2016. The CEPA will remove tariffs.",
    })
    assert len(named(agreements, "CEPA")) == 1, list(agreements["name"])


def test_memoranda_with_the_same_generic_name_but_different_parties_stay_apart():
    agreements = corpus({
        "a": "Japan and Kenya signed a Memorandum of Cooperation in the field of ICT in 2023.",
        "b": "Japan and Egypt signed a Memorandum of Cooperation in the field of ICT in 2023.",
    })
    memoranda = named(agreements, "Memorandum of Cooperation")
    assert len(memoranda) == 2, list(agreements["name"])
    assert sorted(sorted(p) for p in memoranda["parties"]) == [["EGY", "JPN"], ["JPN", "KEN"]]


def test_free_trade_agreements_of_different_pairs_stay_apart():
    agreements = corpus({
        "a": "The Korea-EU Free Trade Agreement entered into force in 2011.",
        "b": "Korea and the GCC signed the Korea-GCC Free Trade Agreement in December 2023.",
    })
    eu, gcc = named(agreements, "Korea-EU Free"), named(agreements, "Korea-GCC Free")
    assert len(eu) == 1 and len(gcc) == 1, list(agreements["name"])
    assert eu.iloc[0]["agreement_id"] != gcc.iloc[0]["agreement_id"]


def test_same_distinctive_name_in_two_documents_with_country_words_stays_per_pair():
    agreements = corpus({
        "a": "Japan and the United States launched the U.S.-Japan Competitiveness and Resilience (CoRe) "
             "Partnership in 2021.",
        "b": "Japan and the UK reviewed the Japan-UK Competitiveness and Resilience Partnership in 2023.",
    })
    assert len(named(agreements, "Competitiveness and Resilience")) == 2, list(agreements["name"])


def test_descriptive_bilateral_title_without_country_words_keeps_parties():
    agreements = corpus({
        "a": "Japan and the Philippines signed the Agreement concerning the Transfer of Defense Equipment "
             "and Technology in 2016.",
        "b": "Japan and Singapore signed the Agreement concerning the Transfer of Defense Equipment "
             "and Technology in 2025.",
    })
    assert len(named(agreements, "Transfer of Defense Equipment")) == 2, list(agreements["name"])
