"""Which words become a bullet, and when meaning alone is evidence enough to answer.

Built from real `Hit`s over a made-up passage, so each rule is seen on its own: a bullet is a
verbatim span that carries the point's elaboration, a passage making two points gives two
bullets, and a paraphrased question answers while a near-miss abstains.
"""

from __future__ import annotations

from knowledge.abstention import CONFIDENCE, MEANING_WEIGHT, Rule, evidence_of, verdict
from knowledge.models import Hit, Passage, SourceMeta
from knowledge.query import QueryParser
from knowledge.quotes import quotes_of
from knowledge.unsaid import Unsaid

SENTENCES = [
    "Moscow hosted the summit in the far east.",  # 0: setting
    "For the United States, the prospect of closer ties is bad news, but not apocalyptic.",  # 1
    "Even if the two leaders had little interest in each other, both would still challenge"
    " American interests.",  # 2: elaborates 1
    "The weather at the cosmodrome was mild.",  # 3: off the point
    "Meanwhile South Korea has already seen many provocations in the past few months.",  # 4
]
PASSAGE = Passage(1, "src", 0, " ".join(SENTENCES))
QUERY = QueryParser.from_files().parse("how bad is this for the US?")
WEIGHTS = {g.label: 1.0 for g in QUERY.groups}


def hit(scores: list[float], *, coverage: float = 1.0, meaning: float | None = None) -> Hit:
    best = max(range(len(scores)), key=lambda i: scores[i])
    return Hit(
        PASSAGE,
        SourceMeta("src", "A source"),
        1.0,
        1,
        coverage=coverage,
        sentence=SENTENCES[best],
        sentence_score=scores[best],
        sentence_scores=tuple(scores),
        meaning=meaning,
    )


def test_a_bullet_carries_the_sentence_that_elaborates_the_best_one():
    quotes = quotes_of(hit([0.1, 5.0, 0.8, 0.0, 0.0]), QUERY)
    assert quotes[0][0] == f"{SENTENCES[1]} {SENTENCES[2]}"  # verbatim, whole sentences
    assert SENTENCES[0] not in quotes[0][0]  # a weak preceding sentence stays out
    assert quotes[0][0] in PASSAGE.text


def test_a_passage_making_a_second_point_gives_a_second_bullet():
    quotes = quotes_of(hit([0.0, 5.0, 0.8, 0.0, 4.0]), QUERY)
    assert [text for text, _ in quotes] == [f"{SENTENCES[1]} {SENTENCES[2]}", SENTENCES[4]]
    # a weak other sentence is not a second point
    assert len(quotes_of(hit([0.0, 5.0, 0.8, 0.0, 1.0]), QUERY)) == 1


def decide(found: Hit, *, semantic: bool, unsaid: Unsaid | None = None) -> tuple[bool, str]:
    support, reason = evidence_of(QUERY, [found])
    assert support, reason
    doubt = unsaid or Unsaid()
    return verdict(QUERY, [found], WEIGHTS, support, Rule(), semantic=semantic, unsaid=doubt)


def test_close_meaning_answers_a_paraphrase_and_a_near_miss_abstains():
    weak = 0.2  # few of the question's words
    close = (CONFIDENCE - weak) / MEANING_WEIGHT + 0.05
    far = (CONFIDENCE - weak) / MEANING_WEIGHT - 0.1
    answered, _ = decide(hit([5.0], coverage=weak, meaning=close), semantic=True)
    assert not answered
    abstained, reason = decide(hit([5.0], coverage=weak, meaning=far), semantic=True)
    assert abstained
    assert "closest in meaning" in reason
    # BM25 only: meaning does not count
    bm25, _ = decide(hit([5.0], coverage=weak, meaning=close), semantic=False)
    assert bm25


def test_a_question_in_a_source_is_never_quoted_as_an_answer():
    asked = ["Russia needs weapons.", "North Korea has them.", "So what does Kim want in return?"]
    passage = Passage(2, "src", 0, " ".join(asked))

    def quoted(scores: list[float]) -> list[str]:
        best = max(range(len(scores)), key=lambda i: scores[i])
        found = Hit(
            passage, SourceMeta("src", "A source"), 1.0, 1, coverage=1.0,
            sentence=asked[best], sentence_score=scores[best], sentence_scores=tuple(scores),
        )  # fmt: skip
        return [text for text, _ in quotes_of(found, QUERY)]

    # the host's question scores best, yet the statement before it is what gets quoted
    assert quoted([1.0, 0.5, 3.0]) == ["Russia needs weapons. North Korea has them."]
    assert quoted([0.0, 0.0, 3.0]) == []  # nothing but a question: no bullet at all


def test_what_the_passages_do_not_say_outweighs_close_meaning():
    """A near-miss: the passage is about what the question names, so it is close in meaning
    and covers most of it, but the question comes closer still without its asked-for word."""
    strong = hit([5.0], coverage=0.6, meaning=0.6)
    answered, _ = decide(strong, semantic=True)
    assert not answered
    abstained, reason = decide(strong, semantic=True, unsaid=Unsaid(0.15, "population"))
    assert abstained
    assert "without “population” the passages are 0.15 closer" in reason
    # a small pull (a chat word the passage says in other words) does not veto it
    small, _ = decide(strong, semantic=True, unsaid=Unsaid(0.005, "distros"))
    assert not small
    # BM25 only measures no meaning, so it does not weigh the pull either
    bm25, _ = decide(strong, semantic=False, unsaid=Unsaid(0.15, "population"))
    assert not bm25
