"""Match normalised product descriptions to goods, one step after another.

`match_text` reads as the list of steps; each step is a function with one job:

1. `candidates`: exact phrases, misspelt words and word pairs, German/Dutch compounds;
   a hit inside a longer hit is dropped ("cotton" inside "cotton yarn", "gold" in "gold plated").
2. `vetoes`: goods named only as what something else is for (`equipment_vetoed`: "cement
   mixer", "coffee mug"; `context_vetoed`: "teak oil for furniture", "gold spray paint") or
   what it looks like (`shade_vetoed`: "amber glass bottles").
3. `misspellings`: a misspelling never displaces a surer, spelt-right good.
4. `qualifiers`: a family qualifier turns a generic good into its specific relative
   ("silk sewing thread"); then `vetoes.negated` drops what the text denies or imitates
   ("PU leather", "dairy-free"), `vetoes.modifier_vetoed` a material that only says what an
   unnamed article is made of ("rubber mallet", "sac en cuir"), and
   `vetoes.unknown_head_doubted` sends "bamboo toothbrush" to review.
5. `assemble`: a service vetoes goods; else the best good (priority, then confidence, then
   the longest span), its rivals as candidates; else a sector.
"""

from __future__ import annotations

import polars as pl

from riskscreen.match.product_index import ProductIndex
from riskscreen.match.product_text.assemble import TEXT_SCHEMA, assemble
from riskscreen.match.product_text.candidates import (
    compound_hits,
    exact_hits,
    fuzzy_hits,
    open_ngrams,
)
from riskscreen.match.product_text.misspellings import misspellings_kept
from riskscreen.match.product_text.qualifiers import refined
from riskscreen.match.product_text.spans import drop_contained, text_words
from riskscreen.match.product_text.vetoes import (
    context_vetoed,
    equipment_vetoed,
    modifier_vetoed,
    negated,
    shade_vetoed,
    unknown_head_doubted,
)

__all__ = ["TEXT_SCHEMA", "match_text"]


def match_text(keys: pl.Series, index: ProductIndex) -> pl.DataFrame:
    """One row per distinct normalised description that names a good, a sector or a service."""
    keys = keys.drop_nulls().unique()
    keys = keys.filter(keys != "")
    if keys.len() == 0:
        return pl.DataFrame(schema=TEXT_SCHEMA)
    # Hits carry a small integer id, not the (possibly long) text itself.
    texts = pl.DataFrame({"text": keys}).with_row_index("key")
    words = text_words(texts)
    exact = exact_hits(texts, index)
    grams = open_ngrams(texts, exact, index)
    found = [exact, fuzzy_hits(grams, exact, index), compound_hits(grams, exact, index)]
    hits = drop_contained(pl.concat(found))
    hits = equipment_vetoed(hits, words, index)
    hits = context_vetoed(hits, words, index)
    hits = shade_vetoed(hits, words, index)
    hits = misspellings_kept(hits, index)
    hits = refined(hits, texts, index)
    hits = negated(hits, words, index)
    hits = modifier_vetoed(hits, words, index)
    hits = unknown_head_doubted(hits, words, index)
    return assemble(hits, texts, index)
