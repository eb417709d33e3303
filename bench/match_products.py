"""Benchmark the product matcher on the written evaluation sets against a naive baseline.

Baseline: rapidfuzz `process.extractOne` of the raw product text over the ILAB good names
(WRatio, cutoff 85), HS codes ignored. Prints a markdown table and writes
bench/results/match_products.md.  Run: /work/venv/bin/python bench/match_products.py
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

import polars as pl
from rapidfuzz import fuzz, process

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from riskscreen.match.products import resolve_products  # noqa: E402
from riskscreen.scoring import load_thresholds  # noqa: E402
from riskscreen.tables import read_table  # noqa: E402

EVAL_DIR = ROOT / "tests" / "data"
EVAL_FILES = (
    "eval_products.csv",
    "eval_products_holdout.csv",
    "eval_products_blind.csv",
    "eval_products_blind2.csv",
    "eval_products_blind3.csv",
    "eval_products_blind4.csv",
    "eval_products_dev5.csv",
    "eval_products_blind5.csv",
    "eval_products_blind6.csv",
    "eval_products_blind7.csv",
    "eval_products_blind8.csv",
    "eval_products_blind9.csv",
    "eval_products_blind10.csv",
)
# First run of each blind batch, recorded before any change it prompted (2026-11-25):
# file, rows, rows with no listed good, accuracy, precision, recall, false goods, written
# after, and the resolver as it was before these batches (commit dde6370) on the same batch
# (accuracy, precision; labels as corrected)
BLIND_FIRST_RUN = (
    ("eval_products_blind.csv", 534, 149, 0.861, 0.890, 0.883, 29, "dde6370", 0.865, 0.893),
    ("eval_products_blind2.csv", 248, 58, 0.823, 0.860, 0.842, 14, "blind-1 fixes", 0.782, 0.835),
    ("eval_products_blind3.csv", 245, 52, 0.808, 0.891, 0.808, 10, "blind-2 fixes", 0.755, 0.819),
    ("eval_products_blind4.csv", 212, 47, 0.882, 0.910, 0.915, 11, "blind-3 fixes", 0.807, 0.845),
    ("eval_products_blind5.csv", 417, 92, 0.873, 0.911, 0.886, 16, "dev5 fixes", 0.755, 0.837),
    ("eval_products_blind6.csv", 353, 74, 0.926, 0.952, 0.928, 6, "blind-5 fixes", 0.771, 0.849),
    ("eval_products_blind7.csv", 354, 74, 0.946, 0.974, 0.939, 2, "blind-6 fixes", 0.768, 0.854),
    ("eval_products_blind8.csv", 364, 75, 0.907, 0.953, 0.913, 9, "blind-6 fixes", 0.739, 0.856),
    ("eval_products_blind9.csv", 369, 81, 0.927, 0.964, 0.927, 6, "blind-7/8 fixes", 0.743, 0.844),
    ("eval_products_blind10.csv", 344, 65, 0.948, 0.967, 0.950, 4, "blind-9 fixes", 0.773, 0.844),
)
# Blind batches scored as the pipeline accepts on their first run (goods below accept_confidence
# not assigned): file, accuracy, precision, recall, false goods; and the resolver at the start of
# that round (commit e724592) the same way. Recorded from blind5 on, when the bench learnt it.
BLIND_FIRST_RUN_ACCEPTED = (
    ("eval_products_blind5.csv", 0.844, 0.940, 0.825, 8, "e724592", 0.823, 0.908),
    ("eval_products_blind6.csv", 0.904, 0.969, 0.882, 1, "e724592", 0.827, 0.915),
    ("eval_products_blind7.csv", 0.921, 0.981, 0.907, 2, "e724592", 0.847, 0.929),
    ("eval_products_blind8.csv", 0.896, 0.973, 0.879, 3, "e724592", 0.810, 0.920),
    ("eval_products_blind9.csv", 0.892, 0.980, 0.872, 3, "e724592", 0.794, 0.908),
    ("eval_products_blind10.csv", 0.930, 0.981, 0.921, 2, "e724592", 0.826, 0.915),
)
# First runs of the dev5 batch (2026-11-25), each part written before the resolver was run on
# it: part, rows, rows with no listed good, code at first run, then accuracy, precision, recall
# and false goods, raw and as the pipeline accepts (goods below accept_confidence not assigned).
DEV5_FIRST_RUN = (
    ("part 1", 374, 52, "blind-4 fixes", (0.885, 0.976, 0.870, 1), (0.856, 0.982, 0.835, 1)),
    ("part 2 (*_p2)", 133, 26, "part-1 fixes", (0.857, 0.879, 0.879, 6), (0.820, 0.881, 0.832, 6)),
)
OUT = ROOT / "bench" / "results" / "match_products.md"
BASELINE_CUTOFF = 85


def load_eval(name: str) -> pl.DataFrame:
    """The evaluation rows (all text)."""
    return pl.read_csv(EVAL_DIR / name, infer_schema=False, comment_prefix="#")


def scores(expected: pl.Series, predicted: pl.Series) -> dict[str, float]:
    """Top-1 accuracy (null = no good counts), precision on assigned goods, recall on goods."""
    exp, pred = expected.to_list(), predicted.to_list()
    correct = sum(e == p for e, p in zip(exp, pred, strict=True))
    assigned = [(e, p) for e, p in zip(exp, pred, strict=True) if p is not None]
    expected_goods = [(e, p) for e, p in zip(exp, pred, strict=True) if e is not None]
    return {
        "accuracy": correct / len(exp),
        "precision": sum(e == p for e, p in assigned) / max(len(assigned), 1),
        "recall": sum(e == p for e, p in expected_goods) / max(len(expected_goods), 1),
        "false_goods": float(sum(e is None for e, _ in assigned)),
    }


def accept_threshold() -> float:
    """The pipeline's accept confidence (thresholds.csv accept_confidence): a good below it is
    held back for review, not scored."""
    return float(load_thresholds()["accept_confidence"])


def run_resolver(data: pl.DataFrame) -> tuple[pl.Series, pl.Series, float]:
    """Predicted good_id per eval row, the good as the pipeline accepts it (null below the
    accept confidence), and seconds taken (index warm)."""
    resolve_products(["warm up"], ["0901"])
    start = time.perf_counter()
    out = resolve_products(data["product"], data["hs_code"])
    seconds = time.perf_counter() - start
    joined = data.join(
        out,
        left_on=["product", "hs_code"],
        right_on=["product_input", "hs_input"],
        how="left",
        nulls_equal=True,
        maintain_order="left",
    )
    accepted = joined.select(
        pl.when(pl.col("good_confidence") >= accept_threshold()).then(pl.col("good_id"))
    ).to_series()
    return joined["good_id"], accepted, seconds


def run_baseline(data: pl.DataFrame) -> tuple[pl.Series, float]:
    """extractOne over the good names of every edition; no HS codes, no vocabulary."""
    names = pl.concat(
        [
            read_table("goods").select("good_id", "name"),
            read_table("good_names").select("good_id", "name"),
        ]
    ).unique()
    choices, ids = names["name"].to_list(), names["good_id"].to_list()
    start = time.perf_counter()
    result = []
    for text in data["product"].to_list():
        hit = None
        if text:
            hit = process.extractOne(
                text, choices, scorer=fuzz.WRatio, score_cutoff=BASELINE_CUTOFF
            )
        result.append(ids[hit[2]] if hit else None)
    return pl.Series(result, dtype=pl.String), time.perf_counter() - start


def _table(name: str) -> list[str]:
    """Markdown rows comparing both methods on one evaluation file."""
    data = load_eval(name)
    ours, accepted, t_ours = run_resolver(data)
    base, t_base = run_baseline(data)
    lines = [
        f"### `tests/data/{name}` ({data.height} rows, "
        f"{data['expected_good_id'].null_count()} with no listed good)",
        "",
        "| method | top-1 accuracy | precision (assigned goods) | recall (goods) "
        "| false goods | time |",
        "|---|---|---|---|---|---|",
    ]
    for label, pred, secs in (
        ("riskscreen resolve_products", ours, t_ours),
        (f"riskscreen as the pipeline accepts (confidence >= {accept_threshold():g})", accepted,
         t_ours),
        (f"baseline extractOne WRatio>={BASELINE_CUTOFF} over good names", base, t_base),
    ):
        s = scores(data["expected_good_id"], pred)
        lines.append(
            f"| {label} | {s['accuracy']:.1%} | {s['precision']:.1%} | {s['recall']:.1%} "
            f"| {int(s['false_goods'])} | {secs * 1000:.0f} ms |"
        )
    expected = data["expected_good_id"].to_list()
    ok = [e == p for e, p in zip(expected, ours.to_list(), strict=True)]
    ok_acc = [e == p for e, p in zip(expected, accepted.to_list(), strict=True)]
    per_cat = (
        data.with_columns(ok=pl.Series(ok), ok_acc=pl.Series(ok_acc))
        .group_by("category")
        .agg(rows=pl.len(), accuracy=pl.col("ok").mean(), accepted=pl.col("ok_acc").mean())
        .sort("category")
    )
    lines += [
        "",
        "| category | rows | riskscreen accuracy | as accepted |",
        "|---|---|---|---|",
    ]
    lines += [f"| {c} | {n} | {a:.1%} | {b:.1%} |" for c, n, a, b in per_cat.iter_rows()]
    return lines + [""]


def _scale(rows: int = 200_000) -> str:
    """Time on a large synthetic column: eval descriptions with lot numbers appended."""
    data = load_eval(EVAL_FILES[0])
    products, codes = data["product"].to_list(), data["hs_code"].to_list()
    rng = random.Random(7)
    picks = [rng.randrange(len(products)) for _ in range(rows)]
    prod = [
        products[i]
        if products[i] is None or rng.random() < 0.5
        else f"{products[i]} lot {rng.randrange(20_000)}"
        for i in picks
    ]
    hs = [codes[i] for i in picks]
    start = time.perf_counter()
    out = resolve_products(pl.Series(prod), pl.Series(hs))
    secs = time.perf_counter() - start
    return (
        f"Scale: {rows:,} rows ({out.height:,} distinct product/HS pairs) resolved in "
        f"{secs:.1f} s on this machine (2 cores, single process)."
    )


def _blind_first_runs() -> list[str]:
    """The honest figures: each blind batch's first run, before the changes it prompted."""
    lines = [
        "## Blind held-out (2026-11-25)",
        "",
        "Five batches written blind (the first before reading the keyword tables or the older "
        "eval sets; each later one after the previous round of fixes, before running it). Each "
        "was scored once, then the errors were fixed; the tables above show the fixed code on "
        "all of them, so only these first-run figures estimate accuracy on new text:",
        "",
        "| batch | rows | no listed good | top-1 accuracy | precision | recall | false goods "
        "| code at first run | dde6370 on it (accuracy / precision) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, rows, none, acc, prec, rec, false_goods, after, o_acc, o_prec in BLIND_FIRST_RUN:
        lines.append(
            f"| `{name}` | {rows} | {none} | {acc:.1%} | {prec:.1%} | {rec:.1%} "
            f"| {false_goods} | {after} | {o_acc:.1%} / {o_prec:.1%} |"
        )
    lines += [
        "",
        "As the pipeline accepts (goods below the accept confidence go to review, unassigned):",
        "",
        "| batch | top-1 accuracy | precision | recall | false goods | the round's starting "
        "code the same way |",
        "|---|---|---|---|---|---|",
    ]
    for name, acc, prec, rec, false_goods, before, b_acc, b_prec in BLIND_FIRST_RUN_ACCEPTED:
        lines.append(f"| `{name}` | {acc:.1%} | {prec:.1%} | {rec:.1%} | {false_goods} "
                     f"| {before}: {b_acc:.1%} / {b_prec:.1%} |")
    lines += [
        "",
        "blind5 was written by a separate author who saw only goods.csv, never the resolver or "
        "its tables. Of its 17 wrong accepted goods, 8 were a related good of the same family "
        "(bricks for clay bricks, textiles for hand-woven textiles, thread/yarn for silk "
        "thread, furniture for steel furniture, crude for refined palm kernel oil), 8 were "
        "lookalikes (fish tape, tin foil, carpet adhesive, PU leather notebook, dairy-free oat "
        "drink), and one was chocolate under HS 1806 (cocoa).",
        "",
        "blind6 (another separate author, written while the blind5 round was being fixed, "
        "scored once after it): as accepted, 90.4% accuracy and 96.9% precision, 8 wrong of 254 "
        "accepted goods. Three are clay bricks, which its author labelled Bricks (clay) while "
        "the project's older sets label clay bricks Bricks (a convention conflict the next round "
        "settles); two are nitrile examination gloves resolved to Gloves, not Rubber gloves; "
        "the rest are a leather tote bag resolved to its material, 'Vanila beans bourbon' to "
        "alcoholic beverages, and a pepper mill to pepper.",
        "",
        "The blind6 round (blind6 is a development set since): two label conventions "
        "settled by the lead and applied to the resolver and all older sets (8 rows relabelled, "
        "noted in each set's header): a brick said to be clay / fired clay / terracotta / "
        "ceramic (terre cuite, arcilla, Tonziegel, klinker, baksteen...) or under HS 6904 is "
        "Bricks (clay), other bricks stay Bricks (family qualifiers on `bricks`); examination, "
        "medical, powder-free and disposable nitrile / latex / rubber gloves are Rubber gloves, "
        "knitted gloves coated or dipped in nitrile / latex stay Gloves (coated / dipped are "
        "negation words). Bag and small-goods words anywhere in a description refine leather "
        "into Leather goods/accessories ('Tote bag full grain leather tan', 'Borsa a mano in "
        "pelle'), but an imitation word still denies a material so refined (only an imitation "
        "word that is itself the qualifier shields: 'faux orchid'). A misspelling may now beat "
        "a spelt good of equal rank when it wins outright by the ambiguity margin, the spelt "
        "word being weak ('bourbon' lowered to 0.7: a vanilla and coffee variety). Kitchen and "
        "tool words (mill, baller, squeegee, bit) and services (guarding) joined the stop "
        "lists; form and grade words (mature, setts, billets, roof) stopped doubting the good "
        "before them; vocabulary for costume jewellery, sourdough, Drahtstifte, Italian / Polish "
        "/ Thai / Chinese words, ERP abbreviations (ZN INGOT, CU CATH, GRN CFE, CTN YRN, SHRMP) "
        "and French elisions written with the apostrophe (gants d'examen). Left at review: "
        "two-edit misspellings ('Surgicle scissors') and a misspelling whose bigram is no "
        "clearer than the spelt word ('Shirmp tiger HOSO').",
        "",
        "blind7 (a third separate author, given the settled conventions, scored once after the "
        "blind6 round): raw 94.6% accuracy and 97.4% precision (2 false goods); as accepted "
        "92.1% and 98.1% — the first blind batch to meet both targets on its first run. Its 7 "
        "wrong goods: Turkish cotton yarn (pamuk ipliği) resolved to cotton, a misspelt "
        "chocolate to dairy, an abbreviated leather wallet to leather, a misspelt leather "
        "sandal and a Polish ceramic brick to other goods (both below the accept confidence), "
        "and two lookalikes (footwear disinfection mat, beer tap coupler).",
        "",
        "blind8 (a fourth separate author) was scored on the SAME code as blind7, with no fix "
        "in between, to check blind7 was no fluke: raw 90.7% accuracy and 95.3% precision (9 "
        "false goods), as accepted 89.6% and 97.3% (3 false goods). Together, the two batches "
        "(718 rows by two authors, first runs on one code version) give raw 92.6% / 96.3% and, "
        "as the pipeline assigns goods, 90.8% accuracy and 97.7% precision. blind8's wrong "
        "goods: lookalikes (beer mats, amber warning beacon, water chestnuts, chestnut "
        "mushrooms, corn plasters, granite sealer, gold star stickers, spark plugs), a "
        "misspelt fruit next to a colour ('Pinapples gold'), an abbreviated chocolate bar to "
        "dairy, a leather key fob to leather, and Turkish cotton yarn to cotton again.",
        "",
        "blind9 (a fifth separate author; buyers the earlier batches under-used: hospital, "
        "university, council, car maker, supermarket, hotel, oil & gas, jeweller), scored once "
        "on the code after the blind7/8 round, i.e. the code as shipped: raw 92.7% accuracy and "
        "96.4% precision, as accepted 89.2% and 98.0%. Its wrong goods: carrot cake to carrots "
        "and a misspelt brass padlock to brassware (both below the accept confidence), "
        "'artifical flowers' to flowers and an abbreviated leather belt to leather, lookalikes "
        "(emerald green vinyl tiles to ceramics, a rubber door wedge to rubber, coffee stirrers, "
        "toilet rolls to textiles) and two services (diamond grading report, helicopter "
        "charter), the last two below the accept confidence. Read per target as the issue puts "
        "it — top-1 accuracy of the resolver's best reading, precision of the goods the "
        "pipeline assigns — blind7, blind8 and blind9 each meet both on their first run "
        "(94.6 / 98.1, 90.7 / 97.3, 92.7 / 98.0); counting held-back candidates as assignments, "
        "precision is 95.3-97.4%, and counting them as misses, accuracy is 89.2-92.1%.",
        "",
        "blind10 (a sixth separate author; airline, shipyard, brewery, school district, "
        "cosmetics, florist ...), scored once on the code as shipped (after the blind9 round), "
        "with no fix after it: raw 94.8% accuracy and 96.7% precision (4 false goods), as "
        "accepted 93.0% and 98.1% (2 false goods), 3.5% of lines held for review. Its wrong "
        "goods: French and Polish nitrile gloves to Gloves (not Rubber gloves), abbreviated "
        "roasted coffee beans to Beans, lookalikes (fish food flakes, cattle ear tags), and, "
        "below the accept confidence, a wine named Bordeaux to furniture (a furniture style), a "
        "German leather handbag to leather, a silver polish cloth to textiles, and titanium "
        "dioxide (rutile) to chile peppers.",
        "",
        "The blind9 round (blind9 is a development set since; it now scores 100.0% / 100.0% "
        "raw and 98.9% / 100.0% as accepted): vinyl / PVC / LVT became imitation words (vinyl "
        "floor tiles are not ceramics); door stops and stirrers joined the unlisted articles; "
        "paper products (toilet / kitchen roll, paper towels and napkins) and bakeware are "
        "lookalike phrases, 'toilet' a real word (not toile); charter, report, appraisal and "
        "valuation are services. Cake, muffin, pastry, scone and brownie words are finished "
        "baked goods (priority 3) that beat their ingredient. Two misspelling rules: a misspelt "
        "specific relative (product_keywords `refines`) of a spelt good refines it ('artifical "
        "flowers peony'), and a misspelt article beats a lower-rank good it names more surely "
        "than that good's word does ('padlok 40mm brass', brass being 0.75). Form and unit "
        "words stopped doubting the good before them (each, milling, kerbs, chippings, "
        "casting, oval, trillion, facing, flexi), HS 7117 (imitation jewellery) rose to 0.85, "
        "and vocabulary grew (Swahili, Vietnamese, Thai, Arabic, Hindi, Japanese, Korean words; "
        "BLT, PDLK, SCRB TOP; garnet, polycotton, n-type mono wafers, Stahlspind). As accepted, "
        "blind7 rose to 98.3% and blind8 to 96.7% accuracy; no other set changed. Left at "
        "review: four one-edit misspellings (choclate, cofee, letuce, sapphier).",
        "",
        "The blind7/8 round (both are development sets since): a new stopword kind `shade` "
        "(amber, gold, emerald, chestnut, jade, milk): a colour or variety word right next to "
        "another good gives way to it ('Amber glass dropper bottles', 'Pinapples gold fresh', "
        "'Choclate bars milk', 'CHOC BAR MILK'); alone it still names its good. Accessory and "
        "care-product words joined the unlisted articles (mat, coupler, sealer, sealant, "
        "conditioner, plaster, beacon, mushroom, opener; 'stickers' moved from real word to "
        "article), real words that collided with a good as misspellings became descriptors "
        "(tread, spark), and bare 'LED' dropped to 0.75 (LED bulb / light / panel / lamp / "
        "strip stay 0.9). Vocabulary: Turkish iplik / ipligi (yarn), Japanese, Thai, Polish, "
        "Arabic, Korean and Hindi article words, ERP abbreviations (SFTY BT, CAB FILING, STL, "
        "BRK CLAY, NAIL RND, COF GRN, CHOC, CALLETS, LTHR WLT, TWL, LKR, BF MINCE, THRD, HSN "
        "BAG) and small-goods qualifiers of leather (key fob, wlt). Left at review: goods "
        "whose confidence is held down by an unknown word next to them (croissants butter, "
        "lamb shoulder, lump charcoal, loose emerald, tanzanite trillion) and one-edit "
        "misspellings (Lettice, Cashue, Brocolli).",
        "",
        "The blind5 round (blind5 is a development set since): family qualifiers "
        "(product_keywords column `refines`: a word anywhere in the description turns a generic "
        "good into its specific relative, and an HS code naming one relative agrees with text "
        "naming the other: silk + thread, steel + furniture, mentah / refined + palm oil, "
        "faux / silk + flowers, kerst + glass), imitation and negation words (faux, PU, vegan; "
        "-free, -tone, effect), a finished article in the singular right before an article "
        "word (carpet adhesive), tool and article heads (tape, foil, snips, masher, matting), "
        "and vocabulary classes (cheeses, lock types, surgical instrument names, flower names, "
        "ERP abbreviations, Vietnamese / Hindi / Turkish words). Label conventions kept: clay "
        "bricks and HS 6904 stay Bricks, chocolate stays Cocoa (the older sets' labels), so "
        "blind5's three rows labelled otherwise stay counted as misses.",
        "",
        "Two HS labels were typing errors of the set's author (080390 / 080430 written as "
        "803900 / 804300) and were corrected after the first run; 'Red clay bricks' was "
        "relabelled Bricks to follow the existing sets' convention. Error classes found: a "
        "material named instead of its article (cotton nightshirt, leather card holder, sac en "
        "cuir), lookalikes (gold spray paint, rubber mallet, tea tree oil, coffee descaling "
        "tablets), inverted order (palm oil RBD, roses artificial), German compounds on short "
        "heads (Baumwollgarn), a misspelling overriding a spelt-right good (Ivory Coast -> "
        "coat), and above all everyday article words missing from the vocabulary (long johns, "
        "router, dollhouse, ballet flats). The rule changes made the first two classes fail "
        "safe (no good rather than the material), but each new batch still met new article "
        "words. On the three batches the original resolver never saw tuned, each round's first "
        "run beat it by 4-8 points (last column), but expect roughly 85-90% accuracy and ~90% "
        "precision on unseen text, below the 97% precision target, until the vocabulary grows "
        "with real purchase data.",
        "",
    ]
    return lines


def _dev5_first_runs() -> list[str]:
    """The dev5 batch's first runs, raw and as the pipeline accepts."""
    lines = [
        "## Development batch dev5 (2026-11-25)",
        "",
        "`eval_products_dev5.csv` was written across many industries (articles, materials, HS "
        "codes, seven languages, lookalikes, services) before the resolver was run on it; part 2 "
        "(categories `*_p2`, harder lookalikes) was written after the part-1 fixes. First runs "
        "(raw / as the pipeline accepts: a good below the accept confidence is held back for "
        "review, counted here as not assigned):",
        "",
        "| part | rows | no listed good | code at first run | accuracy | precision | recall "
        "| false goods | accepted: accuracy | precision | recall | false goods |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for part, rows, none, after, raw, acc in DEV5_FIRST_RUN:
        lines.append(
            f"| {part} | {rows} | {none} | {after} | {raw[0]:.1%} | {raw[1]:.1%} | {raw[2]:.1%} "
            f"| {raw[3]} | {acc[0]:.1%} | {acc[1]:.1%} | {acc[2]:.1%} | {acc[3]} |"
        )
    lines += [
        "",
        "Part 1's misses were almost all missing article words (blazer, mules, SSD, drone, "
        "loveseat, mittens, haddock, trout, fragole, aardbeien); its few wrong goods were a "
        "material or crop named instead of an article (lab coat poly cotton, passport holder "
        "leather, shoe rack bamboo, coconut oil shampoo). The round that followed added about "
        "3,000 keyword rows for the goods whose articles are many (garments, footwear and "
        "sandals, electronics, furniture and steel furniture, toys, gloves and rubber gloves, "
        "carpets, home textiles, leather goods, fish, shellfish, shrimp, lobsters, fruit, "
        "vegetables, pulses, meat, drinks, locks) in English, French, Spanish, German, "
        "Portuguese, Italian, Dutch, Indonesian and Chinese, unlisted article words that veto "
        "the material before them (shampoo, bearings, cable, adhesive...), lookalike phrases, "
        "processing-state and form words of raw goods, and one rule: a material or crop that "
        "may only describe an article no table knows (an English singular right before an "
        "unknown word: 'bamboo toothbrush', 'salt lamp'; a raw material right after one: "
        "'passport holder leather') keeps its rank but drops below the accept confidence, so "
        "it goes to review. Part 2's first run still met new article words (beanie, high tops, "
        "photo frame, play tent) and lookalikes ('bamboo toothbrush', 'tea trolley', 'gold "
        "earrings'), which prompted that rule: after it, none of part 2's false goods is "
        "accepted; two materials named for an article are (baby bib cotton, leather cosmetic "
        "pouch: 'bib' is too short and 'cosmetic' a known word). On new text expect accuracy to "
        "keep losing points to missing article words, and the as-accepted precision to be "
        "the figure that matters for flags.",
        "",
    ]
    return lines


def main() -> str:
    lines = [
        "# Product matcher benchmark",
        "",
        "Run: `/work/venv/bin/python bench/match_products.py`",
        "",
    ]
    for name in EVAL_FILES:
        lines += _table(name)
    lines += [
        "Honest out-of-sample figures: each holdout part was scored once before any change it "
        "prompted. Part 1 (191 rows, written after tuning on eval_products.csv): 91.1% accuracy, "
        "94.1% precision. Part 2 (126 rows, categories *_h2, written after the part-1 fixes): "
        "85.7% accuracy, 92.6% precision; most of its wrong goods were below the review "
        "threshold (misspelling / compound matches) or a related good (cotton for cotton "
        "nightwear). The fixes were general rules (plurals, tool and vessel words, German "
        "compounds, packing media such as 'in tomato sauce', stricter misspelling rule) plus "
        "vocabulary rows. Part 3 (114 rows, *_h3, written after all rules were in place): "
        "92.1% accuracy, 93.7% precision on its first run; its misses were missing garment "
        "words (the material was named instead: cotton, leather), same-rank ties sent to "
        "review, and word-order variants. The tables above include the vocabulary those parts "
        "prompted, so expect figures nearer part 3's first run on new text.",
        "",
        *_blind_first_runs(),
        *_dev5_first_runs(),
        _scale(),
        "",
    ]
    text = "\n".join(lines)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf8")
    return text


if __name__ == "__main__":
    print(main())
