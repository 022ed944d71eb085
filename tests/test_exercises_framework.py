"""Every exercise of every chapter: the reference passes, stubs are 'not attempted',
and no answer whatever makes check() raise into the notebook."""
import numpy as np
import pytest
import torch

from lecturelib.exercises import (Exercise, Verdict, Wrong, diagnose, expect_array, expect_number, expect_shape,
                                  expect_whole_number)
from exercise_utils import all_exercises, is_code_exercise, solution_answer

EXERCISES = all_exercises()
IDS = [e.label for e in EXERCISES]


def test_labels_are_unique():
    assert len(IDS) == len(set(IDS)), "two exercises share a label"


@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_reference_solution_is_accepted(exercise):
    verdict = exercise.evaluate(solution_answer(exercise))
    assert verdict.correct, verdict.message


@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_untouched_stub_is_not_attempted(exercise):
    assert exercise.evaluate(...).status == "not attempted"
    if is_code_exercise(exercise):
        def stub(*args, **kwargs):
            raise NotImplementedError
        assert exercise.evaluate(stub).status == "not attempted"
        assert exercise.evaluate(lambda *a, **k: ...).status == "not attempted"


def _raises(*args, **kwargs):
    raise RuntimeError("boom")


def _junk():
    return {
        "None": None, "text": "abc", "dict": {}, "object": object(), "empty list": [],
        "nan": float("nan"), "inf": np.inf, "nan array": np.full(4, np.nan), "big array": np.zeros((50, 50)),
        "bool": True, "tensor": torch.ones(4), "negative": -7,
        "fn -> None": lambda *a, **k: None, "fn raises": _raises, "fn no args": lambda: 0,
        "fn -> tensor": lambda *a, **k: torch.zeros(3), "fn -> text": lambda *a, **k: "x",
        "fn -> nan": lambda *a, **k: np.full(3, np.nan),
    }


@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_junk_never_raises_and_is_never_correct(exercise, capsys):
    for name, junk in _junk().items():
        verdict = exercise.evaluate(junk)
        assert isinstance(verdict, Verdict), name
        assert verdict.status in ("incorrect", "not attempted"), f"{name} was judged {verdict.status}"
        assert verdict.message, name
        exercise.check(junk)  # prints, never raises
        assert capsys.readouterr().out.strip()


def test_hints_cycle_and_repeat_the_last(capsys):
    ex = Exercise("ex-x", "demo", lambda a: "ok", hints=["first", "second"], solution="answer = 1")
    for _ in range(3):
        ex.hint()
    out = capsys.readouterr().out.splitlines()
    assert out == ["Hint 1/2: first", "Hint 2/2: second", "Hint 2/2: second"]


def test_a_bug_in_a_judge_is_reported_not_raised():
    ex = Exercise("ex-x", "demo", lambda a: 1 / 0, hints=[], solution="answer = 1")
    verdict = ex.evaluate(3)
    assert verdict.status == "incorrect" and "ZeroDivisionError" in verdict.message


def test_helpers_give_specific_messages():
    with pytest.raises(Wrong, match="returned None"):
        expect_array(None, (2,))
    with pytest.raises(Wrong, match="torch Tensor"):
        expect_array(torch.zeros(2), (2,))
    with pytest.raises(Wrong, match="transposed"):
        expect_array(np.zeros((3, 2)), (2, 3))
    with pytest.raises(Wrong, match="NaN"):
        expect_array([1.0, np.nan], (2,))
    assert expect_number(np.float32(2.5)) == 2.5 and expect_number(torch.tensor(4)) == 4
    with pytest.raises(Wrong, match="single number"):
        expect_number([1, 2])
    with pytest.raises(Wrong, match="3 entries"):
        expect_number(np.arange(3))
    assert expect_whole_number(12.0) == 12
    with pytest.raises(Wrong, match=r"12.5 is not a whole number; counts are integers\."):
        expect_whole_number(12.5, "; counts are integers")
    assert expect_shape([2, 3]) == (2, 3)
    with pytest.raises(Wrong, match="a shape"):
        expect_shape("2x3")
    with pytest.raises(Wrong, match="forgot the bias"):
        diagnose([1.0], [2.0], {"forgot the bias": [1.0]})
    with pytest.raises(Wrong, match="generic"):
        diagnose([5.0], [2.0], {"forgot the bias": [1.0]}, generic="generic")
    diagnose([2.0], [2.0])
