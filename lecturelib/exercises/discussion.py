"""Discussion questions as exercises: a question that asks for reasoning, answered by a choice.

The lecture asks its class questions (why is this wasteful, what data does this need, why can this not
work). In the book each becomes an exercise whose answer is one letter: the checker says which reasoning a
wrong letter follows and why it fails, and the book's solution gives the model answer in words.

``choice_exercise(...)`` builds such an :class:`~lecturelib.exercises.Exercise`.
"""
from __future__ import annotations

from . import Exercise, Wrong


def choice_exercise(label: str, title: str, handle: str, choices: dict[str, str], right: str,
                    why_not: dict[str, str], because: str, hints: list[str]) -> Exercise:
    """An exercise answered by one of the letters of ``choices``.

    Args:
        choices: letter -> the statement (for messages; the statement itself is in the book).
        right: the right letter. why_not: each wrong letter -> why that reasoning fails.
        because: the one-line reason shown with "correct".
    """
    if right not in choices or set(why_not) != set(choices) - {right}:
        raise ValueError(f"choice_exercise {label}: give why_not for every wrong letter of {sorted(choices)}")

    def judge(answer):
        if not isinstance(answer, str):
            # The message names every letter, never one as an example: an example could be the answer.
            raise Wrong(f"answer with one letter as a string, one of {', '.join(sorted(choices))}; "
                        f"got {type(answer).__name__} {answer!r}.")
        letter = answer.strip().lower().strip("()")
        if letter == "":
            raise Wrong(f"the answer is an empty string; write one letter of {', '.join(sorted(choices))}.")
        if letter not in choices:
            raise Wrong(f"{answer!r} is not one of the choices {', '.join(sorted(choices))}.")
        if letter != right:
            raise Wrong(f"({letter}) {why_not[letter]}")
        return f"({right}) {because}"

    return Exercise(label, title, handle=handle, judge=judge, hints=hints,
                    solution=f'answer = "{right}"')
