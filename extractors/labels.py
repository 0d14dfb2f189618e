"""The label vocabularies the extractors emit.

They are the allowed values of the tables' categorical columns; ``pipelines.tables.schema``
declares those columns with these tuples, so the extractors never import the pipelines.
"""

ENTITY_LABELS = ("PERSON", "COUNTRY", "ORG", "EVENT", "INSTRUMENT", "TOPIC")
GRANULARITIES = ("day", "month", "year", "fiscal_year", "range")
TRIGGERS = (
    "will", "commit", "reaffirm_commitment", "affirm", "agree", "decide", "concur", "aim",
    "continue", "task", "explore", "resolve", "intend", "pledge", "other",
)
STRENGTHS = ("firm", "soft")
AGREEMENT_TYPES = (
    "memorandum", "agreement", "joint_statement", "declaration", "framework",
    "letter_of_intent", "partnership",
)
AGREEMENT_STATUSES = (
    "signed", "to_be_signed", "renewed", "to_be_renewed", "established", "adopted",
    "launched", "in_force", "under_negotiation", "referenced",
)
