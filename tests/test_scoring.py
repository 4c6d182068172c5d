"""Sentence scoring: an intent negated just before it is not said ("had little interest in")."""

from __future__ import annotations

from knowledge.query import QueryParser
from knowledge.scoring import make_sentence, sentence_score


def test_a_negated_intent_does_not_count_as_one_and_a_negated_topic_still_does() -> None:
    parser = QueryParser.from_files()
    wants = parser.parse("what does Kim want?")
    weights = {g.label: 1.0 for g in wants.groups}

    said = sentence_score(
        make_sentence("Kim has a strong interest in new missiles."), wants, weights
    )
    denied = sentence_score(
        make_sentence("Kim had little interest in new missiles."), wants, weights
    )
    plain = sentence_score(make_sentence("Kim doesn't want new missiles."), wants, weights)

    assert said > denied
    assert said > plain
    war = parser.parse("is Russia at war?")
    topic = {g.label: 1.0 for g in war.groups}
    assert sentence_score(make_sentence("Russia was not at war then."), war, topic) > 0
