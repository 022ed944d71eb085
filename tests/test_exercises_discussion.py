"""The discussion questions (lecturelib.exercises.discussion): no refusal gives the answer away."""
import re

import pytest

from lecturelib.exercises import ch01, ch02, ch03, ch04, ch05, ch06, ch07, ch08, ch09

CHAPTERS = [ch01, ch02, ch03, ch04, ch05, ch06, ch07, ch08, ch09]
CHOICES = [ex for ch in CHAPTERS for ex in ch.ALL if re.fullmatch(r'answer = "[a-z]"', ex.solution_text)]


def _right(ex):
    return re.search(r'"([a-z])"', ex.solution_text).group(1)


def test_there_are_discussion_questions():
    assert len(CHOICES) >= 4


@pytest.mark.parametrize("ex", CHOICES, ids=lambda e: e.label)
@pytest.mark.parametrize("answer", [3, None, 0.5, ["a"], b"a", "", "zz", "  ", "(q)"])
def test_a_refusal_never_names_the_right_letter_alone(ex, answer):
    right = _right(ex)
    verdict = ex.evaluate(answer)
    assert verdict.status == "incorrect", verdict.message
    assert f'"{right}"' not in verdict.message and f"({right})" not in verdict.message, verdict.message


@pytest.mark.parametrize("ex", CHOICES, ids=lambda e: e.label)
def test_only_the_right_letter_is_accepted(ex):
    right = _right(ex)
    assert ex.evaluate(right).status == "correct"
    assert ex.evaluate(f" ({right.upper()}) ").status == "correct"
    for wrong in "abcdef":
        if wrong != right:
            verdict = ex.evaluate(wrong)
            assert verdict.status == "incorrect"
            assert f"({right})" not in verdict.message, verdict.message
