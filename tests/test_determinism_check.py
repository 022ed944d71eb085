"""The determinism script masks wall-clock figures but notices any other change."""
import sys
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from determinism import text_outputs  # noqa: E402


def _cell(text):
    cell = nbformat.v4.new_code_cell("print(...)")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
    return cell


def test_timings_are_masked():
    a = _cell("trained 300 steps in 12.3 s, final loss 0.0123; 4.1x faster, 812 it/s, 35 ms\n")
    b = _cell("trained 300 steps in 9.8 s, final loss 0.0123; 2.7x faster, 950 it/s, 21 ms\n")
    assert text_outputs(a) == text_outputs(b)


def test_a_changed_number_is_noticed():
    assert text_outputs(_cell("final loss 0.0123\n")) != text_outputs(_cell("final loss 0.0124\n"))
    assert text_outputs(_cell("parameters: 1536\n")) != text_outputs(_cell("parameters: 1537\n"))
    assert text_outputs(_cell("mean IoU 0.83\n")) != text_outputs(_cell("mean IoU 0.81\n"))


def test_stream_chunking_and_padding_do_not_matter():
    one = _cell("a: 1.5 s\nb: 2\n")
    two = _cell("a:  12.25 s\n")
    two.outputs.append(nbformat.v4.new_output("stream", name="stdout", text="b: 2\n"))
    assert text_outputs(one) == text_outputs(two)
