"""Find the instruments a text names: one ``Mention`` per name or reference.

Candidates come from one regex over the whole text (the head nouns of
``data/heads.jsonl``); only around each hit does Python look at words, to grow
the name leftwards over its proper-name modifiers ("Japan-Singapore Economic
Partnership Agreement") and rightwards over its complement ("Memorandum of
Cooperation between ... to Promote Cooperation in the Field of ...").
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from extractors.agreements.lexicon import Head, Lexicon, lexicon

# A word (hyphens, apostrophes, inner dots as in "U.S."), a short parenthetical,
# a quote mark or any other single character.
_TOKEN = re.compile(
    r"\([^()\n]{1,90}\)"
    # Inner dots as a repeated group around single-class runs: same matches as
    # one alternation per character, but the regex engine scans the runs far faster.
    r"|[A-Za-z0-9][\w&’'/-]*(?:\.(?=[A-Za-z0-9])[\w&’'/-]*)*(?:\.(?<=[A-Z]\.))?"
    r"|\S"
)
_ACRONYM = re.compile(r"\(([A-Z][A-Za-z0-9&-]{1,14})\)")
_ALIAS_AFTER_COLON = re.compile(r":\s*([A-Z][A-Za-z0-9&-]{1,14})\)")
_HEAD_ACRONYMS = frozenset({"MOC", "MoC", "MOU", "MoU", "LOI", "LoI"})
_MONTHS = frozenset(
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec".split()
)
_YEAR = re.compile(r"(?:19|20)\d\d$")
_CONNECTORS = frozenset({"and", "&", "of", "for", "on", ",", "-", "\u2013", "to", "the"})
_DETERMINERS = frozenset({"the", "a", "an"})
_DEICTIC = frozenset({"below", "above", "herein", "hereunder", "hereinafter"})
_QUOTE_OPEN = "“\""
_QUOTE_CLOSE = "”\""
# Prepositions that open a name's complement; which apply depends on the head.
_NAME_PREPOSITIONS = ("between", "among", "on", "of", "for", "concerning", "regarding", "to")
_OPEN_PREPOSITIONS = _NAME_PREPOSITIONS + ("with", "at", "from", "in")
_PARTICIPLE = re.compile(
    r"\s+(?:to be signed|signed|issued|adopted|concluded)(?:\s+(?:in|on)\s+[^,.;:\n]{1,30}?)?(?=\s+(?:between|at)\b)"
)
_FIELD_OF = re.compile(r"\s+in the fields? of\b", re.I)
_MAX_NAME = 320
_WORD_START = re.compile(r"\s+(?=[A-Z])")
_COORDINATED_HEAD = re.compile(r"\s+(?:and|&)(?=\s+[A-Z])(?:\s+[A-Z][\w-]*){1,3}")
# Looked at word by word while a complement grows (compiled once, not per call).
_NEXT_WORD = re.compile(r"\s+([A-Za-z]+)\b")
_NEXT_TOKEN = re.compile(r"\s+(\S+)")
_NEXT_TWO_TOKENS = re.compile(r"\s+(?:the\s+)?(\S+)(?:\s+(\S+))?")
_CAPITAL_NEXT = re.compile(r"\s+[A-Z]")
_ARTICLE_OR_AND_NEXT = re.compile(r"\s+(?:the|The|and)\b")
_LOWER_LIST_NEXT = re.compile(r"\s+[a-z]+(?:,\s+[a-z]+)*,?\s+(?:and|or)\s+[a-z]")
_LOWER_COORDINATION_NEXT = re.compile(r"\s+(?:and|or)\s+[a-z]")
_AND_CAPITAL_NEXT = re.compile(r"\s+and\s+[A-Z]")
# "Memorandum of Understanding at any time": a quantified adverbial, not a complement.
_ADVERBIAL_NEXT = frozenset("any all each every least most once time times".split())
# Heads whose capitalized plural with a proper modifier names one instrument.
_PROPER_PLURAL_HEADS = frozenset({"accords"})
_PLURAL_HEADS = frozenset(
    "memoranda memorandums letters records statements declarations agreements treaties conventions accords "
    "protocols frameworks arrangements partnerships communiques communiqués mocs mous lois".split()
)


@dataclass
class Mention:
    start: int  # offsets of the mention in the text
    end: int
    head_start: int
    head_end: int
    type: str
    name: str  # the name as the text gives it (deictic words removed)
    head: Head
    definite: bool = False  # "the", "this", "its" before it
    indefinite: bool = False  # "a", "an" before it
    deictic: bool = False  # "this Memorandum", "the joint statement below"
    plural: bool = False
    quoted: bool = False
    bare: bool = False  # nothing but the head noun: "the MOC", "the Partnership"
    aliases: list[str] = field(default_factory=list)
    alias_of: int | None = None  # index of the mention whose acronym this is


def _is_capitalized(word: str) -> bool:
    return bool(word) and (word[0].isupper() or (word[0].isdigit() and any(c.isupper() for c in word)))


def _is_name_word(word: str, lex: Lexicon) -> bool:
    if word.startswith("("):
        return True
    if not _is_capitalized(word) and not any(c.isupper() for c in word[1:]):
        return False
    return word.lower() not in lex.left_stopwords


def _is_date_word(word: str) -> bool:
    return word.lower().rstrip(".") in _MONTHS or bool(_YEAR.match(word))


def _tokens(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    # Same tokens as on text[start:end]: the one lookbehind only sees characters of its own match.
    return [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text, start, max(start, end))]


def _line_bounds(text: str, pos: int) -> tuple[int, int]:
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return start, len(text) if end < 0 else end


def _quoted_span(text: str, head_start: int, head_end: int) -> tuple[int, int] | None:
    """The quotation the head sits in ("... the “G7 Leaders’ Statement” ..."), if any."""
    line_start, line_end = _line_bounds(text, head_start)
    before = text[max(line_start, head_start - 220):head_start]
    open_at = max(before.rfind("“"), -1)
    if open_at >= 0 and "”" not in before[open_at:]:
        close = text.find("”", head_end, min(line_end, head_end + 250))
        if close >= 0:
            return head_start - len(before) + open_at + 1, close
    # Straight quotes: inside when an odd number of them precede the head on its line.
    if before.count('"') % 2 == 1:
        open_at = before.rfind('"')
        close = text.find('"', head_end, min(line_end, head_end + 250))
        if close >= 0:
            return head_start - len(before) + open_at + 1, close
    return None


def _left_edge(text: str, head_start: int, lex: Lexicon, floor: int) -> int:
    """Start of the proper-name modifiers left of the head ("Japan-Singapore
    Economic Partnership" + "Agreement"); connectors join two name words only."""
    line_start = text.rfind("\n", 0, head_start) + 1
    window_start = max(line_start, head_start - 160, floor)
    tokens = _tokens(text, window_start, head_start)
    edge = head_start
    pending = 0
    for i in range(len(tokens) - 1, -1, -1):
        start, _, word = tokens[i]
        if _is_name_word(word, lex) and not word.endswith(".") or (word.endswith(".") and word.count(".") > 1):
            if word.startswith("(") and not _ACRONYM.fullmatch(word):
                break
            sentence_start = i == 0 or tokens[i - 1][2] in {".", ":", ";"}
            if sentence_start and word.endswith("ing"):
                break  # a gerund opening an item: "Leveraging ..."
            if pending and tokens[i + 1][2] == ",":
                between = text[tokens[i + 1][1]:head_start]
                if word_is_head(word, lex) or word.startswith("(") or not re.search(r"\b(?:and|&)\b", between):
                    break  # a list of names, not "Energy, Sustainability and Climate Change Framework"
            if pending and tokens[i + 1][2] == "of" and word.lower() in lex.before_of:
                break  # "Meeting of Japan-UK Digital Partnership"
            edge = start
            pending = 0
        elif word.lower() in _CONNECTORS - {"to", "the"} and pending < 2 and edge != head_start:
            pending += 1
        else:
            break
    return edge


def word_is_head(word: str, lex: Lexicon) -> bool:
    return bool(lex.head_regex.fullmatch(word))


def _complement_end(text: str, pos: int, head: Head, lex: Lexicon, limit: int) -> int:
    """End of the name's complement starting at ``pos`` (right after the head):
    prepositional phrases such as "between X and Y", "on ICT Cooperation",
    "in the field of ...", "to Promote ..."; stops at clause words, dates and
    sentence punctuation."""
    end = pos
    first = True
    in_between = False
    prepositions = _OPEN_PREPOSITIONS if head.open else _NAME_PREPOSITIONS
    while end < limit:
        participle = _PARTICIPLE.match(text, end) if head.open else None
        cursor = participle.end() if participle else end
        field_of = _FIELD_OF.match(text, cursor)
        if field_of:
            cursor = field_of.end()
            preposition = "of"
        else:
            m = _NEXT_WORD.match(text[cursor:cursor + 20])
            if not m:
                break
            preposition = m.group(1)
            if not (preposition.islower() or preposition.isupper()):
                break
            preposition = preposition.lower()
            if preposition not in prepositions and not (preposition == "by" and first and head.open):
                break
            cursor += m.end()
            if preposition == "to":
                nxt = _NEXT_TOKEN.match(text[cursor:cursor + 40])
                if not nxt or not _is_capitalized(nxt.group(1)):
                    break
            if preposition in {"at", "from", "with", "in"}:
                nxt = _NEXT_TOKEN.match(text[cursor:cursor + 40])
                if not nxt or nxt.group(1).lower() in _ADVERBIAL_NEXT or (
                        preposition == "at" and not _is_capitalized(nxt.group(1)) and nxt.group(1) not in _DETERMINERS):
                    break
            if preposition in {"in", "at", "from", "on", "of", "for"}:
                nxt = _NEXT_TWO_TOKENS.match(text[cursor:cursor + 40])
                if nxt and (_is_date_word(nxt.group(1).strip(",.;:"))
                            or (nxt.group(1).isdigit() and _is_date_word((nxt.group(2) or "").strip(",.;:")))):
                    break
        in_between = preposition in {"between", "among"}
        np_end = _noun_phrase_end(text, cursor, head, lex, limit, in_between)
        if np_end <= cursor:
            break
        end = np_end
        first = False
    return end


def _noun_phrase_end(text: str, pos: int, head: Head, lex: Lexicon, limit: int, in_between: bool) -> int:
    line_end = text.find("\n", pos)
    limit = min(limit, len(text) if line_end < 0 else line_end, pos + 240)
    tokens = _tokens(text, pos, limit)
    end = pos
    last_content = pos
    and_seen = False
    in_list = False
    in_capital_list = False
    i = 0
    while i < len(tokens):
        start, stop, word = tokens[i]
        low = word.lower()
        nxt = tokens[i + 1][2] if i + 1 < len(tokens) else ""
        if word in _QUOTE_OPEN and word != '"' or (word == '"' and i == 0 or word == '"' and tokens[i - 1][2] in _DETERMINERS):
            close = text.find("”" if word == "“" else '"', stop, limit)
            if close < 0:
                break
            end = last_content = close + 1
            i = next((k for k, t in enumerate(tokens) if t[0] > close), len(tokens))
            continue
        if word.startswith("("):
            if _ACRONYM.fullmatch(word) and (i + 1 >= len(tokens) or not _continues(nxt, lex)):
                end = last_content = stop  # a trailing acronym closes the name
                break
            end = last_content = stop
        elif low in _DETERMINERS:
            if low == "the" or i == 0 or tokens[i - 1][2].lower() in {"and", "of"}:
                end = stop
            else:
                break
        elif low in {"and", "or", "&"}:
            if nxt.lower() in {"a", "an", "this", "these"} or (nxt.lower() == "the" and not in_between):
                break
            if in_between:
                and_seen = True
            end = stop
        elif word == ",":
            # "Ministry of Economy, Trade and Industry", "safe, resilient, and sustainable"
            rest = text[stop:stop + 60]
            if _CAPITAL_NEXT.match(rest) and not _ARTICLE_OR_AND_NEXT.match(rest) and _name_context(tokens, i):
                end = stop
                in_capital_list = True
            elif in_capital_list and _AND_CAPITAL_NEXT.match(rest) and _name_context(tokens, i):
                end = stop  # a serial comma: "on Reciprocal, Fair, and Balanced Trade"
            elif head.open and (_LOWER_LIST_NEXT.match(rest)
                                or (in_list and _LOWER_COORDINATION_NEXT.match(rest))):
                end = stop
                in_list = True
            else:
                break
        elif word in {"'s", "’s", "-", "/"}:
            end = stop
        elif word[0].isalnum():
            if _is_date_word(word.strip(".")) or low.rstrip(".") in lex.stopwords or low in _DEICTIC:
                break
            after = [t[2].strip(",.;:") for t in tokens[i + 1:i + 3]]
            if word.isdigit() and after and _is_date_word(after[0]):
                break  # "18 March 2026"
            if low in {"on", "in", "at", "from", "since", "of"} and after and (
                    _is_date_word(after[0]) or (after[0].isdigit() and len(after) > 1 and _is_date_word(after[1]))):
                break
            if low in _NAME_PREPOSITIONS + ("in", "with", "at", "from", "by") and low not in {"of", "for", "on", "to"}:
                if not (in_between and low == "of"):
                    break
            if low == "to":
                if not _is_capitalized(nxt):
                    break
            if not head.open and not _is_capitalized(word) and not any(c.isupper() for c in word) \
                    and low not in {"of", "the", "for", "on", "to", "and", "in"} and not word[0].isdigit():
                break  # a proper name's complement is itself a proper name
            if word.endswith(".") and word.count(".") == 1:
                end = last_content = stop - 1
                break
            end = stop
            if low not in {"of", "for", "on", "to", "and", "the", "in"}:
                last_content = stop
        else:
            break
        i += 1
    del and_seen
    return last_content


def _continues(word: str, lex: Lexicon) -> bool:
    return word.lower() in {"between", "on", "of", "for", "concerning", "regarding", "in", "and"} or word_is_head(word, lex)


def _name_context(tokens, i: int) -> bool:
    """A comma inside a capitalized name: the word before it is capitalized."""
    return i > 0 and _is_capitalized(tokens[i - 1][2])


def trigger_positions(text: str, lex: Lexicon) -> list[tuple[int, int]]:
    """Key words of heads in a plain string (for titles and tests; a Doc uses a PhraseMatcher)."""
    return [(m.start(), m.end()) for m in lex.trigger_regex.finditer(text)]


def _heads_at(text: str, triggers, lex: Lexicon):
    """The full head noun around each key word ("joint statement" around
    "statement", "Memorandum of Cooperation" around "Memorandum")."""
    last_end = -1
    for ts, te in triggers:
        if ts < last_end:
            continue
        best = None
        for match in lex.head_regex.finditer(text, max(0, ts - 30), min(len(text), te + 40)):
            if match.start() <= ts and te <= match.end():
                if best is None or match.end() - match.start() > best.end() - best.start():
                    best = match
            if match.start() > ts:
                break
        if best is None:
            continue
        head = lex.head_of(best)
        if head.capitalized and not _is_capitalized(best.group()):
            continue
        last_end = best.end()
        yield best.start(), best.end(), head


def find_mentions(text: str, lex: Lexicon | None = None, triggers=None) -> list[Mention]:
    """All instrument mentions in ``text``, in text order, without overlaps
    except names nested after an article ("Joint Statement on the Establishment
    of a Strategic Partnership ..."). ``triggers``: sorted (start, end) offsets
    of head key words, found by the caller's PhraseMatcher; else by regex."""
    lex = lex or lexicon()
    if triggers is None:
        triggers = trigger_positions(text, lex)
    hits = list(_heads_at(text, triggers, lex))
    mentions: list[Mention] = []
    floor = 0
    for hs, he, head in hits:
        if mentions and hs < mentions[-1].end and not _after_article(text, mentions[-1], hs, lex):
            continue  # absorbed by the previous name ("Partnership (RCEP) Agreement")
        nested = bool(mentions) and hs < mentions[-1].end
        mention = _grow(text, hs, he, head, lex, floor if nested else max(floor, mentions[-1].end if mentions else 0))
        if mention is None:
            continue
        # A later head inside this one's left modifiers means this hit was a modifier.
        if mentions and mention.start < mentions[-1].end and not _after_article(text, mentions[-1], hs, lex):
            continue
        mentions.append(mention)
        floor = mention.head_end
    return _drop_modifier_heads(mentions)


def _after_article(text: str, outer: Mention, pos: int, lex: Lexicon) -> bool:
    """A head inside an outer name that opens with its own article ("... of a
    Strategic Partnership") names a second instrument."""
    if pos <= outer.head_end:
        return False
    left = _left_edge(text, pos, lex, outer.head_end)
    return bool(re.search(r"(?i)\b(?:a|an|the)\s+$", text[max(outer.head_end, left - 8):left]))


def _drop_modifier_heads(mentions: list[Mention]) -> list[Mention]:
    kept: list[Mention] = []
    for mention in mentions:
        while kept and kept[-1].head_end <= mention.start <= kept[-1].end and mention.head_start > kept[-1].end:
            break
        while kept and mention.start <= kept[-1].head_start and kept[-1].end <= mention.end:
            kept.pop()  # "Economic Partnership" inside "Economic Partnership Agreement"
        kept.append(mention)
    return kept


def _grow(text: str, hs: int, he: int, head: Head, lex: Lexicon, floor: int) -> Mention | None:
    word = text[hs:he]
    plural = any(w in _PLURAL_HEADS for w in word.lower().split())
    line_start, line_end = _line_bounds(text, hs)
    quoted = _quoted_span(text, hs, he)
    aliases: list[str] = []
    if quoted:
        start, end = quoted
        lead = re.match(r"(?i)the\s+", text[start:end])
        if lead:
            start += lead.end()
        end = start + len(text[start:end].rstrip(" ,."))
        after = text[end + 1:end + 40]
        alias = re.match(r"\s*\(([A-Z][A-Za-z0-9&-]{1,14})\)", after)
        if alias:
            aliases.append(alias.group(1))
        name = text[start:end]
    else:
        start = _left_edge(text, hs, lex, max(floor, line_start))
        end = he
        # Words that continue a name after its head: "Partnership Programme".
        cont = re.match(r"\s+([A-Z][a-z]+)\b", text[end:end + 30])
        if cont and cont.group(1) in lex.non_instrument_nouns and _is_capitalized(word):
            return None  # "Framework Dialogue", "Framework Act": not an instrument
        if cont and cont.group(1) in lex.continuations:
            end += cont.end()
        acronym = _ACRONYM.match(text, end + 1) if text[end:end + 1] == " " else None
        if acronym:
            follows = text[acronym.end():acronym.end() + 30]
            if acronym.group(1) in _HEAD_ACRONYMS or re.match(r"\s+(?:between|on|of|for|in|concerning|regarding)\b", follows):
                end = acronym.end()
            else:
                end = acronym.end()
                aliases.append(acronym.group(1))
        # Another head right after ("Partnership Agreement") belongs to this name.
        if not re.search(r"[A-Z]{2}", word):
            nxt = lex.head_regex.match(text, end + 1) if text[end:end + 1] == " " else None
            if nxt and _is_capitalized(nxt.group()) and lex.head_of(nxt).capitalized:
                return None
            # "Partnership and Cooperation Agreement": one name over a coordination.
            # Only when the first head opens the name and no pair ("Japan-Singapore") follows.
            previous = re.search(r"(\S+)\s+$", text[max(line_start, hs - 40):hs])
            opens = not previous or not _is_capitalized(previous.group(1))
            joined = _COORDINATED_HEAD.match(text, end) if _is_capitalized(word) and opens else None
            if joined and "-" in text[end:joined.end()]:
                joined = None
            if joined:
                for w in _WORD_START.finditer(text, end, joined.end()):
                    later = lex.head_regex.match(text, w.end())
                    if later and _is_capitalized(later.group()) and lex.head_of(later).capitalized \
                            and not lex.head_of(later).needs_modifier:
                        return None
        complement_end = _complement_end(text, end, head, lex, line_end)
        if complement_end > end:
            tail = text[end:complement_end]
            # A trailing acronym of the whole instrument ("Treaty on ... (NPT)").
            trailing = re.search(r"\s\(([A-Z][A-Za-z0-9&-]{1,14})\)$", tail)
            if trailing and not re.search(r"\b(?:between|among|and)\b", tail):
                aliases.append(trailing.group(1))
            end = complement_end
        colon_alias = _ALIAS_AFTER_COLON.match(text, end)
        if colon_alias:
            aliases.append(colon_alias.group(1))
        if word.isupper() and len(word) > 3 and end > he:
            # An all-capitals title ends where ordinary casing resumes.
            mixed = re.search(r"\s(?=[A-Za-z]*[a-z])[A-Za-z]", text[he:end])
            if mixed:
                end = he + len(text[he:he + mixed.start()].rstrip(" ,;:"))
        if end - start > _MAX_NAME:
            end = he
        name = text[start:end]
        deictic_match = re.match(r"\s+(below|above|herein)\b", text[he:he + 12])
        if deictic_match and end == he:
            after_deictic = _complement_end(text, he + deictic_match.end(), head, lex, line_end)
            if after_deictic > he + deictic_match.end():
                end = after_deictic
                name = text[start:he] + text[he + deictic_match.end():end]
    if not quoted and head.needs_modifier and start == hs:
        return None
    before = text[max(line_start, start - 24):start]
    definite = bool(re.search(r"(?i)\b(?:the|this|that|these|those|its|their|our|said|such)\s+$", before))
    indefinite = bool(re.search(r"(?i)\b(?:a|an)\s+$", before))
    deictic = bool(re.search(r"(?i)\b(?:this|these|the present)\s+$", before)) or bool(
        re.match(r"\s+(?:below|above|herein)\b", text[he:he + 12]))
    bare = not quoted and start == hs and end <= he + (len(text[he:end]) if _ACRONYM.fullmatch(text[he:end].strip()) else 0)
    if plural and word.lower() in _PROPER_PLURAL_HEADS and _is_capitalized(word) and start < hs:
        plural = False  # "the Artemis Accords", "the Abraham Accords": one instrument
    return Mention(
        start=start, end=end, head_start=hs, head_end=he, type=head.type, name=" ".join(name.split()),
        head=head, definite=definite, indefinite=indefinite, deictic=deictic, plural=plural,
        quoted=bool(quoted), bare=bare, aliases=aliases,
    )


def find_alias_mentions(text: str, mentions: list[Mention]) -> list[Mention]:
    """Later uses of an instrument's acronym ("the CPTPP", "the IAP was
    established") as mentions of that instrument."""
    owner = {}
    for index, mention in enumerate(mentions):
        for alias in mention.aliases:
            owner.setdefault(alias, index)
    if not owner:
        return []
    pattern = re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(a) for a in sorted(owner, key=len, reverse=True)) + r")(?![\w-])")
    found: list[Mention] = []
    taken = [(m.start, m.end) for m in mentions]
    for match in pattern.finditer(text):
        s, e = match.start(), match.end()
        index = owner[match.group()]
        mention = mentions[index]
        if s < mention.end + 2 or any(a <= s < b + 2 for a, b in taken):
            continue
        if text[max(0, s - 1):s] == "(":
            continue  # the definition of a longer form "(GDCP)" is not a use
        found.append(Mention(
            start=s, end=e, head_start=s, head_end=e, type=mention.type, name=match.group(),
            head=mention.head, definite=True, bare=False, alias_of=index,
        ))
    return found
