"""A progress bar for long training runs, shown in the browser edition only.

In the browser (``python -m nninit lite``: Python compiled to WebAssembly, where ``sys.platform`` is
``"emscripten"``) numpy has no fast BLAS, and a training cell that takes 2 s on a laptop can take
20 s. There :func:`nninit.fit` shows a bar (ipywidgets) once a run has lasted :data:`SHOW_AFTER`
seconds, updates it a few times a second, and closes it when the run ends, so that nothing of it
stays in the cell. Everywhere else nothing is shown, and a cell's outputs are exactly the committed
ones (nbval compares them).
"""

from __future__ import annotations

import sys
import time

IN_BROWSER = sys.platform == "emscripten"
SHOW_AFTER = 1.0        # seconds a run lasts before its bar appears
UPDATE_EVERY = 0.25     # seconds between two updates of the bar


class Progress:
    """``update(done)`` after each of ``total`` units of work, ``close()`` at the end (or use it as a
    context manager). Shows ``label`` and a bar only when ``show`` (default: in the browser)."""

    def __init__(self, total: int, label: str, *, show: bool | None = None, clock=time.perf_counter):
        self.total, self.label, self.clock = total, label, clock
        self.show = IN_BROWSER if show is None else show
        self.start = clock()
        self._next = self.start + SHOW_AFTER
        self._bar = self._text = None

    def update(self, done: int) -> None:
        if not self.show:
            return
        now = self.clock()
        if now < self._next:
            return
        self._next = now + UPDATE_EVERY
        if self._bar is None and not self._open():
            self.show = False
            return
        self._bar.value = done
        self._text.value = f"step {done} of {self.total}, {now - self.start:.0f} s"

    def _open(self) -> bool:
        """Display the bar; False where there is no notebook to show it in."""
        try:
            import ipywidgets as w
            from IPython.display import display
        except ImportError:
            return False

        self._bar = w.IntProgress(value=0, min=0, max=self.total, description=self.label)
        self._text = w.Label()
        self._box = w.HBox([self._bar, self._text])
        display(self._box)
        return True

    def close(self) -> None:
        """Remove the bar from the cell (the run's own outputs stay)."""
        if self._bar is not None:
            self._box.close()
            self._bar = self._text = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
