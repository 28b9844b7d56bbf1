"""Keras' ``Progbar`` (a progress line for custom loops) and the interactive-logging switch."""
from __future__ import annotations

import sys
import time

_INTERACTIVE = [True]


def enable_interactive_logging():
    """Progress bars print to standard output (the default)."""
    _INTERACTIVE[0] = True


def disable_interactive_logging():
    """Progress bars print nothing (Keras sends them to its logger instead)."""
    _INTERACTIVE[0] = False


def is_interactive_logging_enabled() -> bool:
    """Whether progress bars print."""
    return _INTERACTIVE[0]


class Progbar:
    """A progress line: ``Progbar(target)`` then ``update(current, values=[("loss", 0.3)])`` or ``add(n, values)``.

    ``values`` are averaged over the steps they were given (weighted by the step count), except the names in
    ``stateful_metrics``, shown as given. ``verbose=1`` redraws one line, ``2`` prints once at the end, ``0`` is
    silent. ``target=None`` counts without a bar.
    """

    def __init__(self, target, width=20, verbose=1, interval=0.05, stateful_metrics=None, unit_name="step"):
        self.target, self.width, self.verbose, self.interval = target, int(width), int(verbose), float(interval)
        self.stateful_metrics = set(stateful_metrics or ())
        self.unit_name = unit_name
        self._sums, self._order = {}, []
        self._seen = 0
        self._start = time.time()
        self._last = 0.0
        self._dynamic = hasattr(sys.stdout, "isatty") and sys.stdout.isatty()

    def update(self, current, values=None, finalize=None):
        """Move to step ``current`` and record ``values`` (a list of ``(name, value)``)."""
        finalize = (self.target is not None and current >= self.target) if finalize is None else finalize
        step = max(current - self._seen, 1)
        for name, value in values or ():
            if name not in self._sums:
                self._order.append(name)
            if name in self.stateful_metrics:
                self._sums[name] = [float(value), 1]
            else:
                total, count = self._sums.get(name, [0.0, 0])
                self._sums[name] = [total + float(value) * step, count + step]
        self._seen = current
        now = time.time()
        if self.verbose == 0 or not is_interactive_logging_enabled():
            return
        if self.verbose == 1 and not finalize and now - self._last < self.interval:
            return
        if self.verbose == 2 and not finalize:
            return
        self._last = now
        line = self._line(current, now)
        if self.verbose == 1 and self._dynamic:
            sys.stdout.write("\r" + line + ("\n" if finalize else ""))
        elif finalize or self.verbose == 1:
            sys.stdout.write(line + "\n")
        sys.stdout.flush()

    def add(self, n, values=None):
        """Advance by ``n`` steps."""
        self.update(self._seen + n, values)

    def _line(self, current, now) -> str:
        parts = []
        if self.target is not None:
            done = int(self.width * min(current, self.target) / max(self.target, 1))
            bar = "=" * max(done - 1, 0) + (">" if done < self.width and done else "=" * (done > 0))
            parts.append(f"{current}/{self.target} [{bar:<{self.width}}]")
        else:
            parts.append(f"{current}")
        elapsed = now - self._start
        per = elapsed / max(current, 1)
        parts.append(f"{elapsed:.0f}s {per * 1e3:.0f}ms/{self.unit_name}")
        for name in self._order:
            total, count = self._sums[name]
            parts.append(f"{name}: {total / max(count, 1):.4f}")
        return " - ".join(parts)


__all__ = ["Progbar", "enable_interactive_logging", "disable_interactive_logging", "is_interactive_logging_enabled"]
