"""Interactive explorers with three faces from one plotting function.

``plot(fig, **values)`` draws into a matplotlib figure for one setting of the
parameters. :func:`explore` then shows

* in Jupyter or Colab: a live ``ipywidgets.interactive`` with one slider per parameter (only what
  ipywidgets 7.7 and 8 share: Colab preinstalls 7.7.1 and its front end renders no 8.x widgets;
  ``scripts/colab_sim.sh`` runs the explorers under 7.7.1, the tests under the book's 8.x);
* in the static book (no kernel behind the page): an offline animation over one
  parameter, with its own play buttons and slider (``FuncAnimation.to_jshtml``);
* and tests call ``plot`` itself, or :func:`make_animation` / :func:`make_interactive`.

The book's build sets the environment variable ``LECTURELIB_STATIC=1``; see :func:`is_static`.
"""
from __future__ import annotations

import re
from typing import Callable, Sequence

import matplotlib.pyplot as plt
from matplotlib.animation import FuncAnimation

from .runmode import is_static  # one definition, shared with the training loop

#: CSS pixels per inch of figure width at which an offline animation is shown on the page.
SHOWN_DPI = 80
#: Frames hold this many pixels per CSS pixel, so they stay sharp on high-density (2x) screens
#: and in the PDFs; the page still shows them ``figsize[0] * SHOWN_DPI`` pixels wide.
PIXEL_RATIO = 2


def _settings(params: dict[str, Sequence], defaults: dict | None):
    if not params:
        raise ValueError("params: expected at least one parameter, got none")
    for name, values in params.items():
        if len(values) < 2:
            raise ValueError(f"params[{name!r}]: expected at least 2 values to move between, got {list(values)}")
    chosen = {name: values[len(values) // 2] for name, values in params.items()}
    for name, value in (defaults or {}).items():
        if name not in params:
            raise ValueError(f"defaults: {name!r} is not one of the parameters {list(params)}")
        chosen[name] = value
    return chosen


def _label(name: str, value) -> str:
    return f"{name} = {value:.3g}" if isinstance(value, float) else f"{name} = {value}"


def _draw(plot: Callable, fig, name: str, values: dict):
    plot(fig, **values)
    if fig._suptitle is None:  # say which frame this is, unless the plot titles itself
        fig.suptitle(_label(name, values[name]), fontsize=10)


def make_animation(plot: Callable, params: dict[str, Sequence], animate: str | None = None,
                   defaults: dict | None = None, figsize=(7.5, 4.0),
                   dpi: int = SHOWN_DPI * PIXEL_RATIO, interval_ms: int = 500) -> FuncAnimation:
    """An animation of ``plot`` over the values of parameter ``animate`` (default: the first),
    the other parameters held at their defaults (the middle value unless given). Its frames
    are ``figsize * dpi`` pixels; :func:`animation_html` says how wide the page shows them."""
    chosen = _settings(params, defaults)
    animate = animate or next(iter(params))
    if animate not in params:
        raise ValueError(f"animate: {animate!r} is not one of the parameters {list(params)}")
    fig = plt.figure(figsize=figsize, dpi=dpi)
    frames = list(params[animate])

    def frame(i):
        fig.clear()
        _draw(plot, fig, animate, {**chosen, animate: frames[i]})

    frame(0)
    return FuncAnimation(fig, frame, frames=len(frames), interval=interval_ms, repeat=False)


def animation_html(anim: FuncAnimation, shown_width: int) -> str:
    """The animation as self-contained HTML (matplotlib's ``to_jshtml``), its frames shown
    ``shown_width`` CSS pixels wide whatever their own pixel width (the height follows)."""
    if isinstance(shown_width, bool) or not isinstance(shown_width, int) or shown_width < 1:
        raise ValueError(f"shown_width: expected a positive whole number of pixels, got {shown_width!r}")
    html = anim.to_jshtml(default_mode="once")
    # matplotlib links Font Awesome 4 from a CDN for the play buttons; the book's theme
    # already ships Font Awesome, and a CDN link breaks the promise of an offline book.
    html = re.sub(r'<link rel="stylesheet"\s+href="https://[^"]*font-awesome[^"]*">', "", html)
    # The frame's <img> carries no size, so a browser would show every frame pixel as a CSS
    # pixel; the width attribute keeps it at its page size (book.css: max-width 100%, height auto).
    html, n = re.subn(r'(<img id="_anim_img\w+")>', rf'\1 width="{shown_width}">', html)
    if n != 1:
        raise RuntimeError(f"expected one frame <img> in matplotlib's jshtml, found {n}")
    return html


def make_interactive(plot: Callable, params: dict[str, Sequence], defaults: dict | None = None,
                     figsize=(7.5, 4.0)):
    """An ``ipywidgets.interactive`` with one selection slider per parameter."""
    import ipywidgets as widgets  # only a live kernel draws sliders; the static build never loads it

    chosen = _settings(params, defaults)
    sliders = {name: widgets.SelectionSlider(options=list(values), value=chosen[name], description=name,
                                             continuous_update=False, style={"description_width": "initial"})
               for name, values in params.items()}

    def draw(**values):
        fig = plt.figure(figsize=figsize)
        _draw(plot, fig, next(iter(params)), values)
        plt.show()

    return widgets.interactive(draw, **sliders)


def explore(plot: Callable, params: dict[str, Sequence], animate: str | None = None,
            defaults: dict | None = None, figsize=(7.5, 4.0), static: bool | None = None) -> None:
    """Show ``plot`` live (Jupyter, Colab) or as an offline animation (the static book).

    Args:
        plot: ``plot(fig, **values)`` draws one setting into ``fig``.
        params: parameter name -> the values its slider moves through.
        animate: the parameter the offline animation moves (default: the first).
        defaults: values of the other parameters (default: each list's middle value).
        static: force one face; by default :func:`is_static` decides.
    """
    from IPython.display import HTML, display  # only inside a notebook; tests call plot and make_* directly

    if static is None:
        static = is_static()
    if static:
        anim = make_animation(plot, params, animate, defaults, figsize)
        html = animation_html(anim, round(figsize[0] * SHOWN_DPI))
        plt.close(anim._fig)
        display(HTML(html))
    else:
        display(make_interactive(plot, params, defaults, figsize))
