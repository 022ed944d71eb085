"""Explorers: the same plotting function drives the live widget and the offline animation."""
import io

import matplotlib
import numpy as np
import pytest

from lecturelib.explorers import animation_html, explore, is_static, make_animation, make_interactive
from lecturelib.plotting import plot_gain_example

matplotlib.use("agg")


def _line(fig, slope=1.0, offset=0.0):
    ax = fig.subplots()
    x = np.linspace(0, 1, 5)
    ax.plot(x, slope * x + offset)
    ax.set_ylim(-3, 3)


def _frame_png(anim, i):
    anim._func(i)
    buf = io.BytesIO()
    anim._fig.savefig(buf, format="png")
    return buf.getvalue()


def test_animation_frames_differ_and_follow_the_parameter():
    anim = make_animation(_line, {"slope": [-2.0, 0.0, 2.0], "offset": [0.0, 1.0]})
    frames = [_frame_png(anim, i) for i in range(3)]
    assert len(set(frames)) == 3
    anim._func(2)
    y = anim._fig.axes[0].lines[0].get_ydata()
    # The animated parameter takes its value; the other sits at its default (the middle value, 1.0).
    np.testing.assert_allclose(y, 2.0 * np.linspace(0, 1, 5) + 1.0)
    assert anim._fig._suptitle.get_text() == "slope = 2"


def test_interactive_has_one_slider_per_parameter_with_defaults():
    w = make_interactive(_line, {"slope": [-1.0, 0.5, 3.0], "offset": [0.0, 1.0]}, defaults={"offset": 0.0})
    sliders = {c.description: c for c in w.children if hasattr(c, "options")}
    assert set(sliders) == {"slope", "offset"}
    assert sliders["slope"].value == 0.5 and sliders["offset"].value == 0.0


def test_static_explore_embeds_an_animation_with_a_slider(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    explore(plot_gain_example, {"gain": [0.5, 0.7, 1.0]}, static=True)
    html = shown[0].data
    assert "<img" in html and 'type="range"' in html and html.count("data:image/png;base64") >= 1
    assert "https://" not in html, "the offline animation must not fetch anything"


def test_static_frames_hold_twice_the_pixels_they_are_shown_at(monkeypatch):
    import base64
    import re

    from PIL import Image
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    explore(_line, {"slope": [0.0, 1.0]}, figsize=(5, 3), static=True)
    html = shown[0].data
    width = re.search(r'<img id="_anim_img\w+" width="(\d+)">', html)
    assert width and int(width.group(1)) == 5 * 80      # shown as wide as an 80-dpi frame was
    # matplotlib breaks each frame's base64 text into lines ending in a backslash (JavaScript)
    frames = re.findall(r"data:image/png;base64,([A-Za-z0-9+/=\\\s]+)", html)
    assert len(frames) == 2
    for b64 in frames:
        with Image.open(io.BytesIO(base64.b64decode(re.sub(r"[\\\s]", "", b64)))) as im:
            assert im.size == (2 * 5 * 80, 2 * 3 * 80)


@pytest.mark.parametrize("width", [0, -5, 12.5, True, "400"])
def test_animation_html_refuses_a_bad_width(width):
    anim = make_animation(_line, {"slope": [0.0, 1.0]})
    with pytest.raises(ValueError, match="shown_width: expected a positive whole number"):
        animation_html(anim, width)


def test_live_explore_shows_a_widget(monkeypatch):
    import ipywidgets
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    explore(_line, {"slope": [0.0, 1.0]}, static=False)
    assert isinstance(shown[0], ipywidgets.interactive)


def test_static_flag_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("LECTURELIB_STATIC", "1")
    assert is_static()
    monkeypatch.setenv("LECTURELIB_STATIC", "0")
    assert not is_static()


@pytest.mark.parametrize("params, kwargs, words", [
    ({}, {}, "at least one parameter"),
    ({"a": [1]}, {}, "at least 2 values"),
    ({"a": [1, 2]}, {"defaults": {"b": 1}}, "'b' is not one of the parameters"),
    ({"a": [1, 2]}, {"animate": "c"}, "'c' is not one of the parameters"),
])
def test_bad_explorer_arguments(params, kwargs, words):
    with pytest.raises(ValueError, match=words):
        make_animation(_line, params, **kwargs)
