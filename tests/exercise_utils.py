"""The one set of helpers for testing exercises: find them all, run their reference solutions,
and the junk answers every checker must call incorrect without raising."""
import importlib
import pkgutil
import types

import numpy as np
import torch

import lecturelib.exercises as exercises_pkg
from lecturelib.exercises import Exercise


def chapter_modules():
    return [importlib.import_module(f"lecturelib.exercises.{m.name}")
            for m in pkgutil.iter_modules(exercises_pkg.__path__) if m.name.startswith("ch")]


def all_exercises():
    found = []
    for module in chapter_modules():
        found += [v for v in vars(module).values() if isinstance(v, Exercise)]
    return found


def solution_answer(exercise: Exercise):
    """Run the exercise's solution text; return ``answer``, or the one function it defines."""
    namespace = {"np": np, "torch": torch}
    exec(exercise.solution_text, namespace)
    if "answer" in namespace:
        return namespace["answer"]
    functions = [v for k, v in namespace.items() if isinstance(v, types.FunctionType)]
    assert len(functions) == 1, f"{exercise.label}: solution defines {len(functions)} functions"
    return functions[0]


def is_code_exercise(exercise: Exercise) -> bool:
    return callable(solution_answer(exercise))


def raises(*args, **kwargs):
    """A student's function that crashes."""
    raise ZeroDivisionError("boom")


#: Answers every checker must judge "incorrect" (never correct, never raising into the notebook);
#: a chapter's tests add the junk peculiar to its exercises.
JUNK = [None, "text", torch.zeros(3), np.full(3, np.nan), float("nan"), np.zeros((9, 9)), [1, "a"], {"a": 1},
        raises]
