"""Word lists compiled as one regex whose alternation is a character trie.

``re`` then tries one branch per character instead of every word, which keeps
a scan of a whole document over thousands of names near the cost of one pass.
"""
from __future__ import annotations

import re


def trie_pattern(words) -> str:
    """A pattern matching any of ``words``, the longest where several fit.

    ``["Mar", "March", "May"]`` -> ``Ma(?:r(?:ch)?|y)``.
    """
    trie: dict = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:  # greedy optional: the longer entry wins ("Guinea-Bissau" over "Guinea")
            return "(?:" + body + ")?"
        return body

    return build(trie)
