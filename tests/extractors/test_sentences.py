import spacy

from extractors.sentences import set_sentence_starts


def sentences(text: str) -> list[str]:
    doc = set_sentence_starts(spacy.blank("en").make_doc(text))
    return [s.text.strip() for s in doc.sents]


def test_lines_and_stops_start_sentences_but_abbreviations_and_item_numbers_do_not():
    text = ("### 1. Summary\n\nMr. Koga met H.E. Ms. Jones of the U.K. Government. They agreed.\n\n"
            "9.6. Strengthening cybersecurity cooperation. This includes exchanges.\nIV. Green Transition")
    assert sentences(text) == [
        "### 1. Summary",
        "Mr. Koga met H.E. Ms. Jones of the U.K. Government.",
        "They agreed.",
        "9.6. Strengthening cybersecurity cooperation.",
        "This includes exchanges.",
        "IV. Green Transition",
    ]


def test_a_stop_glued_to_a_technology_code_ends_the_sentence():
    assert sentences("Japan explained its efforts for 6G. Considering the above, both sides agreed.") == [
        "Japan explained its efforts for 6G.", "Considering the above, both sides agreed."]


def test_a_lower_case_word_after_a_stop_continues_the_sentence():
    assert sentences("Costs fell by 3 p.c. in total. and more.") == ["Costs fell by 3 p.c. in total. and more."]


def test_long_documents_stay_linear():
    # Token-by-token is_sent_start assignment was quadratic; 60k tokens must be instant.
    text = "We will act. " * 20000
    assert len(sentences(text)) == 20000
