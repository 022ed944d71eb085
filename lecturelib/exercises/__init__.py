"""Self-checking exercises: ``ex.check(answer)``, ``ex.hint()``, ``ex.solution()``.

An exercise pairs a statement in the book with a checker. The checker never
raises into the notebook: whatever the student's answer does (raises, returns
None, the wrong type or shape, NaN, a torch tensor where numpy was asked), it
prints one of

* ``Correct``,
* ``Not yet: <a diagnosis of the likely mistake>``,
* ``Not attempted yet`` with a pointer to the hint (for the untouched stub).

Writing a checker: subclass nothing; give :class:`Exercise` a function
``judge(answer)`` that returns a success message, raises :class:`Wrong` with
a diagnosis, or raises :class:`NotAttempted`. The helpers below
(:func:`call`, :func:`expect_array`, :func:`expect_number`, :func:`diagnose`)
turn the usual failure modes into specific messages. Per-chapter exercises
live in ``lecturelib/exercises/chNN.py``.
"""
from __future__ import annotations

import math
import re
import textwrap
import traceback
from dataclasses import dataclass
from typing import Callable

import numpy as np


class Wrong(Exception):
    """Raised by a judge with the diagnosis shown to the student."""


class NotAttempted(Exception):
    """Raised by a judge when the answer is still the stub."""


@dataclass(frozen=True)
class Verdict:
    status: str  # "correct", "incorrect" or "not attempted"
    message: str

    @property
    def correct(self) -> bool:
        return self.status == "correct"

    def __str__(self) -> str:
        return self.message


class Exercise:
    """One exercise: a label (as in the book), a judge, hints and a solution.

    Args:
        label: the exercise's label in the book, e.g. ``"ex-rnn-step"``.
        title: a short title, shown with every verdict.
        judge: ``judge(answer) -> str`` (see the module docstring).
        hints: progressively stronger hints; ``hint()`` shows the next one.
        solution: the reference solution as Python code; a value exercise's code assigns
            ``answer``. Tests run it through the checker, and compare it with the book's solution.
        handle: how the notebook reaches this object, e.g. ``"ch01.rnn_step"`` (used in messages).
    """

    def __init__(self, label: str, title: str, judge: Callable, hints: list[str], solution: str,
                 handle: str = "ex"):
        self.label, self.title, self._judge, self.handle = label, title, judge, handle
        self.hints = list(hints)
        self.solution_text = textwrap.dedent(solution).strip()
        self._next_hint = 0
        self.last_verdict: Verdict | None = None  # of the last check() in this kernel (see show_progress)

    def evaluate(self, answer=...) -> Verdict:
        """Judge ``answer`` and return a :class:`Verdict`; never raises."""
        if answer is ...:
            return self._not_attempted()
        try:
            message = self._judge(answer)
        except NotAttempted as why:
            return self._not_attempted(str(why))
        except Wrong as why:
            return Verdict("incorrect", f"Not yet: {why}")
        except Exception as err:  # a bug in the student's answer that escaped the helpers
            where = traceback.extract_tb(err.__traceback__)[-1]
            return Verdict("incorrect", f"Not yet: checking your answer raised {type(err).__name__}: {err} "
                                        f"(line {where.lineno}). Look at that line of your answer.")
        return Verdict("correct", f"Correct! {message}".strip())

    def _not_attempted(self, detail: str = "") -> Verdict:
        text = "Not attempted yet: " + (detail or "replace the `...` in the exercise cell with your answer")
        return Verdict("not attempted", f"{text}, then run this check again. Stuck? Run `{self.handle}.hint()`.")

    def check(self, answer=...) -> None:
        """Print the verdict on ``answer`` (prints; returns nothing)."""
        self.last_verdict = self.evaluate(answer)
        # Wrapped: the book shows outputs in a narrow column without line wrapping.
        print(textwrap.fill(f"[{self.title}] {self.last_verdict}", width=78))

    def hint(self) -> None:
        """Print the next hint (the last one repeats)."""
        if not self.hints:
            print("No hints for this exercise.")
            return
        i = min(self._next_hint, len(self.hints) - 1)
        self._next_hint += 1
        print(f"Hint {i + 1}/{len(self.hints)}: {self.hints[i]}")

    def solution(self) -> None:
        """Print the reference solution."""
        print(self.solution_text)


# ---------------------------------------------------------------- progress

class ProgressTable:
    """A chapter's exercises and how the checks run in this kernel went; shows as an HTML table in
    notebooks (Jupyter, Colab, the book) and as text elsewhere. Rows: (number, title, status)."""

    LABELS = {"correct": "done", "incorrect": "not yet (last check: not right)", None: "not yet",
              "not attempted": "not yet"}

    def __init__(self, chapter: int, rows: list[tuple[str, str, str | None]]):
        self.chapter, self.rows = chapter, rows

    @property
    def done(self) -> int:
        return sum(status == "correct" for _, _, status in self.rows)

    def _summary(self) -> str:
        return f"Chapter {self.chapter}: {self.done} of {len(self.rows)} exercises done in this session"

    def __repr__(self) -> str:
        width = max((len(title) for _, title, _ in self.rows), default=5)
        lines = [self._summary()] + [f"  {'✓' if status == 'correct' else '·'} Exercise {number:<5} "
                                     f"{title:<{width}}  {self.LABELS.get(status, status)}"
                                     for number, title, status in self.rows]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import html

        cells = "".join(
            f"<tr><td>Exercise {number}</td><td>{html.escape(title)}</td>"
            f"<td>{'&#10003; ' if status == 'correct' else ''}{html.escape(self.LABELS.get(status, str(status)))}"
            "</td></tr>" for number, title, status in self.rows)
        return (f"<table class='exercise-progress'><caption>{html.escape(self._summary())}</caption>"
                f"<thead><tr><th>exercise</th><th>title</th><th>status</th></tr></thead>"
                f"<tbody>{cells}</tbody></table>")


def chapter_exercises(chapter) -> tuple[int, list[Exercise]]:
    """The chapter's number and its exercises in the order the module defines them (the book's order).
    ``chapter``: the module ``chNN``, its name ``"ch08"``, or the number 8."""
    import importlib
    import types

    if isinstance(chapter, types.ModuleType):
        module = chapter
    elif isinstance(chapter, (int, str)) and not isinstance(chapter, bool):
        name = f"ch{int(chapter):02d}" if isinstance(chapter, int) or str(chapter).isdigit() else str(chapter)
        if not re.fullmatch(r"ch\d\d", name):
            raise ValueError(f"chapter: expected a module chNN, a name such as 'ch08' or a number, got {chapter!r}")
        module = importlib.import_module(f"{__name__}.{name}")
    else:
        raise TypeError(f"chapter: expected a module chNN, a name such as 'ch08' or a number, "
                        f"got {type(chapter).__name__}")
    match = re.search(r"ch(\d\d)$", module.__name__)
    if not match:
        raise ValueError(f"chapter: {module.__name__} is not one of lecturelib.exercises.chNN")
    seen, exercises = set(), []
    for value in vars(module).values():
        if isinstance(value, Exercise) and id(value) not in seen:
            seen.add(id(value))
            exercises.append(value)
    return int(match.group(1)), exercises


def progress_table(chapter, order: list[str] | None = None) -> ProgressTable:
    """The chapter's exercises, done or not yet, from the checks run in this kernel.

    ``order``: the exercises' labels in the order the book numbers them (the chapter's last cell passes
    them; a test checks them against the chapter's exercise directives); default: the module's order."""
    number, exercises = chapter_exercises(chapter)
    if order is not None:
        by_label = {ex.label: ex for ex in exercises}
        unknown = [label for label in order if label not in by_label]
        if unknown:
            raise ValueError(f"order: {unknown} are not exercises of chapter {number} "
                             f"(its labels: {sorted(by_label)})")
        exercises = [by_label[label] for label in order] + [ex for ex in exercises if ex.label not in order]
    return ProgressTable(number, [(f"{number}.{i}", ex.title[:1].upper() + ex.title[1:],
                                   ex.last_verdict.status if ex.last_verdict else None)
                                  for i, ex in enumerate(exercises, 1)])


def show_progress(chapter, order: list[str] | None = None) -> None:
    """Show :func:`progress_table` (an HTML table in a notebook, text elsewhere). Never raises: a
    student's last cell must run whatever happened above it."""
    try:
        table = progress_table(chapter, order)
    except Exception as err:  # noqa: BLE001 (the promise is to never raise into the notebook)
        print(f"No progress table: {type(err).__name__}: {err}")
        return
    try:
        from IPython.display import display
        display(table)
    except Exception:  # noqa: BLE001  (no IPython: plain text)
        print(repr(table))


# ---------------------------------------------------------------- judge helpers

def call(fn, *args, **kwargs):
    """Call the student's function, turning its failures into diagnoses.

    Arrays in ``args`` are copied so that a function that writes into its
    inputs cannot corrupt the checker's test cases.
    """
    if not callable(fn):
        raise Wrong(f"expected a function, got {type(fn).__name__}. Pass the function itself, "
                    "without calling it: `check(my_function)`, not `check(my_function(...))`.")
    args = tuple(np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in args)
    try:
        return fn(*args, **kwargs)
    except NotImplementedError:
        raise NotAttempted("your function still raises NotImplementedError; write its body") from None
    except Exception as err:
        raise Wrong(f"your function raised {type(err).__name__}: {err}") from None


def expect_array(value, shape: tuple, what: str = "your function") -> np.ndarray:
    """Check that ``value`` is a finite numpy array (or nested list) of ``shape``."""
    if value is ...:
        raise NotAttempted(f"{what} returns `...`; replace it with your code")
    if value is None:
        raise Wrong(f"{what} returned None. Did you forget the `return` statement?")
    if type(value).__module__.startswith("torch"):
        raise Wrong(f"{what} returned a torch {type(value).__name__}; this exercise works in numpy. "
                    "Use numpy operations (np.maximum, @) or convert with `.numpy()`.")
    if isinstance(value, (str, bytes, dict, set)) or callable(value):
        raise Wrong(f"{what} returned a {type(value).__name__}; expected a numpy array of shape {shape}.")
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise Wrong(f"{what} returned {type(value).__name__}, which is not a numeric array; "
                    f"expected a numpy array of shape {shape}.") from None
    if arr.shape != tuple(shape):
        extra = ""
        if arr.shape == tuple(shape)[::-1] and len(shape) == 2:
            extra = " It looks transposed."
        elif arr.size == int(np.prod(shape)):
            extra = " The number of entries is right: check how you reshape or orient the vectors."
        raise Wrong(f"{what} has shape {arr.shape}; expected {tuple(shape)}.{extra}")
    if not np.all(np.isfinite(arr)):
        raise Wrong(f"{what} returned NaN or infinite entries. Look for a division by zero or an overflow.")
    return arr


def expect_number(value, what: str = "your answer") -> float:
    """Check that ``value`` is one finite real number (int, float, numpy or torch scalar)."""
    if value is ...:
        raise NotAttempted("the answer is still `...`")
    if value is None:
        raise Wrong(f"{what} is None; expected a number.")
    if isinstance(value, bool):
        raise Wrong(f"{what} is a bool ({value}); expected a number.")
    if hasattr(value, "item") and not isinstance(value, (int, float)):  # numpy or torch scalar
        size = value.numel() if hasattr(value, "numel") else int(np.size(value))
        if size != 1:
            raise Wrong(f"{what} has {size} entries; expected a single number.")
        value = value.item()
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise Wrong(f"{what} is the text {value!r}; expected a number such as 42 or 0.5.") from None
    if not isinstance(value, (int, float, np.integer, np.floating)):
        raise Wrong(f"{what} is a {type(value).__name__}; expected a single number.")
    value = float(value)
    if not math.isfinite(value):
        raise Wrong(f"{what} is {value}; expected a finite number.")
    return value


def expect_whole_number(value, why: str = "", what: str = "your answer") -> int:
    """:func:`expect_number`, then insist on a whole number; ``why`` ends the message,
    e.g. ``"; a parameter count is an integer"``."""
    number = expect_number(value, what)
    if number != int(number):
        raise Wrong(f"{number} is not a whole number{why}.")
    return int(number)


def expect_shape(value, what: str = "your answer") -> tuple:
    """Check that ``value`` is a shape: a tuple (or list, or torch.Size) of non-negative ints."""
    if value is ...:
        raise NotAttempted("the answer is still `...`")
    if isinstance(value, (int, np.integer)):
        return (int(value),)
    if not isinstance(value, (tuple, list)) or not all(isinstance(v, (int, np.integer)) for v in value):
        raise Wrong(f"{what} is {value!r}; expected a shape, a tuple of integers such as (3, 4).")
    return tuple(int(v) for v in value)


def close(a, b, rtol: float = 1e-6, atol: float = 1e-8) -> bool:
    """Whether ``a`` matches ``b``. An answer computed in float32 carries about seven significant
    digits, so the tolerance is never tighter than 1e-5 of ``b``'s scale: a right formula computed
    in single precision must not be called wrong."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    scale = float(np.max(np.abs(b))) if b.size else 0.0
    rtol, atol = max(rtol, 1e-5), max(atol, 1e-5 * scale)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol))


def diagnose(got, expected, mistakes: dict[str, object] | None = None, *, rtol: float = 1e-6,
             atol: float = 1e-8, generic: str = "the values are not right.") -> None:
    """Return if ``got`` matches ``expected``; otherwise raise :class:`Wrong` with the
    message of the first known mistake whose value ``got`` matches, else ``generic``.

    ``mistakes`` maps a diagnosis to the value a student making that mistake would get;
    compute those values from the mistake itself, never copy them from the answer.
    """
    if close(got, expected, rtol, atol):
        return
    for message, value in (mistakes or {}).items():
        if close(got, value, rtol, atol):
            raise Wrong(message)
    raise Wrong(generic)
