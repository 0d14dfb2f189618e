"""Must-find / must-not-find sentences for the entity rules written from the dev2
misses (issue 16), in other countries' and other decades' wording, so that
each rule is checked on text it was not built from."""
import pytest

from extractors.document import DocumentInput
from extractors.entities.component import rows
from extractors.pipeline import make_doc


def found(text: str) -> list[dict]:
    return rows(make_doc(DocumentInput("unseen3", text + "\n")))


def names(rows_: list[dict], label: str) -> list[str]:
    return [r["canonical"] for r in rows_ if r["label"] == label]


def by_name(rows_: list[dict], label: str) -> dict[str, dict]:
    return {r["canonical"]: r for r in rows_ if r["label"] == label}


# ----------------------------------------------------------------------------- persons

@pytest.mark.parametrize("text, name, title", [
    ("National Security Adviser Condoleezza Rice briefed the press.", "Condoleezza Rice", "National Security Adviser"),
    ("Deputy Secretary of Commerce Don Graves opened the session.", "Don Graves", "Deputy Secretary of Commerce"),
    ("Special Envoy for Climate John Kerry met the delegation.", "John Kerry", "Special Envoy for Climate"),
    ("Minister of State for Trade & Industry Alvin Tan spoke.", "Alvin Tan", "Minister of State for Trade & Industry"),
    ("The talks were led by Deputy National Security Advisor for International Economics Daleep Singh.",
     "Daleep Singh", "Deputy National Security Advisor for International Economics"),
    ("European Commission Executive Vice President Frans Timmermans attended.", "Frans Timmermans",
     "European Commission Executive Vice President"),
])
def test_titles_of_offices_before_names(text, name, title):
    people = by_name(found(text), "PERSON")
    assert name in people, people
    assert people[name]["title"] == title


def test_plural_title_before_two_names():
    people = by_name(found("Foreign Ministers Sergey Lavrov and Wang Yi met in Moscow in 2019."), "PERSON")
    assert set(people) == {"Sergey Lavrov", "Wang Yi"}
    assert all(p["title"] == "Foreign Minister" for p in people.values())


def test_short_names_join_the_full_name_with_punctuation():
    text = ("President Joseph R. Biden, Jr. met President Andrés Manuel López Obrador. "
            "President Biden thanked President López Obrador for his hospitality.")
    assert sorted(set(names(found(text), "PERSON"))) == ["Andrés Manuel López Obrador", "Joseph R. Biden, Jr."]


def test_an_administration_named_after_its_leaders_is_not_an_organization():
    rows_ = found("President Barack Obama said the Obama Administration will act. Vice President Biden and "
                  "Vice President Harris spoke of the Biden-Harris Administration; the National Oceanic and "
                  "Atmospheric Administration (NOAA) will report.")
    orgs = names(rows_, "ORG")
    assert not any(o in orgs for o in ("Obama Administration", "Biden-Harris Administration"))
    assert "National Oceanic and Atmospheric Administration" in orgs
    assert "Barack Obama" in names(rows_, "PERSON")


# ----------------------------------------------------------------------------- countries

@pytest.mark.parametrize("text, codes", [
    ("Ghanaian cocoa farmers and Ivorians", {"GHA", "CIV"}),
    ("the Vietnamese delegation and Filipino nurses", {"VNM", "PHL"}),
    ("aid for Haitians and Venezuelans", {"HTI", "VEN"}),
    ("the Côte d’Ivoire border", {"CIV"}),
    ("Türkiye and Viet Nam", {"TUR", "VNM"}),
])
def test_countries_named_by_adjectives_peoples_and_variants(text, codes):
    assert set(names(found(text), "COUNTRY")) == codes


@pytest.mark.parametrize("text", [
    "Navies patrol the South China Sea and the Taiwan Strait.",
    "Fishing fleets cross the Korea Strait and the Indian Ocean.",
    "Latin American and Central American economies grew.",
    "the Inter-American Development Bank",
])
def test_places_and_regions_are_not_countries(text):
    assert names(found(text), "COUNTRY") == []


# ----------------------------------------------------------------------------- organizations

def test_lists_of_bodies_split_into_bodies():
    rows_ = found("Officials from the Department of Foreign Affairs, and the National Economic and "
                  "Development Authority attended, with the Ministry of Finance, and the Governor of the "
                  "central bank.")
    orgs = set(names(rows_, "ORG"))
    assert {"Department of Foreign Affairs", "National Economic and Development Authority",
            "Ministry of Finance"} <= orgs
    assert not any("Governor" in o or " and the " in o for o in orgs)


def test_two_names_with_one_head_joined_by_and():
    orgs = set(names(found("Students from the University of Nairobi and Makerere University took part."), "ORG"))
    assert orgs == {"University of Nairobi", "Makerere University"}


def test_possessive_hands_on_to_another_body():
    orgs = set(names(found("The Federal Ministry of Finance’s Debt Management Office will publish the data."),
                     "ORG"))
    assert orgs == {"Federal Ministry of Finance", "Debt Management Office"}


def test_plural_head_names_one_body_per_portfolio():
    orgs = by_name(found("The U.S. Departments of Commerce and State will host a trade mission."), "ORG")
    assert set(orgs) == {"U.S. Department of Commerce", "U.S. Department of State"}
    assert all(o["country"] == "USA" for o in orgs.values())


def test_one_name_per_body_takes_the_country_prefixed_form():
    rows_ = found("The U.S. Department of State and the State Department's partners met. "
                  "The Department of Commerce and the U.S. Department of Commerce agreed.")
    assert set(names(rows_, "ORG")) == {"U.S. Department of State", "U.S. Department of Commerce"}


def test_acronym_of_a_name_ending_with_its_country():
    orgs = by_name(found("Enterprise Ireland (EI) and the Industrial Development Agency signed the plan."), "ORG")
    assert orgs["Enterprise Ireland"]["acronym"] == "EI" and orgs["Enterprise Ireland"]["country"] == "IRL"


def test_well_known_bodies_by_acronym_and_two_word_acronyms():
    rows_ = found("USAID and the DFC will work with the Export-Import Bank of the United States (EXIM Bank). "
                  "EXIM Bank will lend through the Inter-American Development Bank (IDB Invest) arm.")
    orgs = by_name(rows_, "ORG")
    assert orgs["United States Agency for International Development"]["acronym"] == "USAID"
    assert orgs["Export-Import Bank of the United States"]["acronym"] == "EXIM Bank"
    assert "EXIM Bank" not in orgs
    assert orgs["Inter-American Development Bank"]["acronym"] is None


def test_a_ministry_after_its_country_is_the_ministry():
    orgs = by_name(found("The Singapore Ministry of Defence and the Kenyan Ministry of Health met."), "ORG")
    assert orgs["Ministry of Defence"]["country"] == "SGP"
    assert "Singapore Ministry of Defence" not in orgs


# ----------------------------------------------------------------------------- name, title

@pytest.mark.parametrize("text, name, title", [
    ("In Canberra, Penny Wong, Minister for Foreign Affairs, met reporters.", "Penny Wong",
     "Minister for Foreign Affairs"),
    ("The accord was signed by Jean Chrétien, the Prime Minister of Canada, in 1997.", "Jean Chrétien",
     "Prime Minister of Canada"),
    ("Kofi Annan, Secretary-General of the United Nations, opened the session.", "Kofi Annan",
     "Secretary-General of the United Nations"),
    ("General Secretary Xi Jinping received the delegation.", "Xi Jinping", "General Secretary"),
    ("High Commissioner Lynne Tracey presented her credentials.", "Lynne Tracey", "High Commissioner"),
    ("Japan's Foreign Minister, Yoko Kamikawa, said the talks went well.", "Yoko Kamikawa", "Foreign Minister"),
])
def test_names_with_their_title_after_or_before(text, name, title):
    people = by_name(found(text), "PERSON")
    assert name in people, people
    assert people[name]["title"] == title


@pytest.mark.parametrize("text", [
    "Tokyo Electric Power Company, President of the utility, said nothing.",
    "President Biden, President Widodo, and President von der Leyen met.",
    "Digital Agency, Minister of State for Digital Transformation",
    "The President, Vice President Harris and the Minister, Digital Agency staff met.",
    "Mitsubishi Heavy Industries, Chairman of the council, and Qatar Airways, President of the group, joined.",
])
def test_bodies_and_titled_names_are_not_read_as_names_before_a_title(text):
    people = names(found(text), "PERSON")
    assert not any(w in p for p in people for w in ("Company", "Agency", "Industries", "Airways")) \
        and not any(p.startswith("President") for p in people)


def test_a_country_abbreviation_opens_a_body_name_and_a_full_country_name_qualifies_it():
    orgs = by_name(found("The U.S. Development Finance Corporation and the Singapore Infocomm Media Development "
                         "Authority met the Japan Coast Guard and Toyota Motor Corp. in 2005."), "ORG")
    assert {"U.S. Development Finance Corporation", "Infocomm Media Development Authority",
            "Japan Coast Guard", "Toyota Motor Corp."} <= set(orgs)
    assert orgs["Infocomm Media Development Authority"]["country"] == "SGP"
    assert orgs["U.S. Development Finance Corporation"]["country"] == "USA"
