"""Which compiled programs exist for which input signature, and when a step re-traces or stays eager.

A signature (shapes and dtypes of the feeds, training flag, trainable set, optimizer, ...; the caller builds the
key) maps to an :class:`Entry`. A new signature is traced twice, on two calls, and compiled only if both traces
agree (:meth:`~.trace.Trace.same_as`): what the recorder cannot see (NumPy on ``tensor.data``, Python state) then
shows up as a difference instead of a wrong replay. A replay whose guard fails, or a pair of traces that differ,
counts as a re-trace; after ``max_traces`` the signature stays eager with a warning, as ``tf.function`` does. An
unsafe trace (a random draw outside a node...) keeps its signature eager at once, its reason recorded.
"""
from __future__ import annotations

import warnings

from .replay import Executable, GuardFailed

#: Traces per signature before it stays eager (tf.function warns after 5 re-traces).
MAX_TRACES = 8


class Entry:
    """The state of one signature: compiled executables (most recently used first), traces awaiting a twin,
    the number of traces, and ``eager`` (why it stays eager, or None)."""

    __slots__ = ("executables", "pending", "traces", "eager", "replays")

    def __init__(self):
        self.executables, self.pending, self.traces, self.eager, self.replays = [], [], 0, None, 0


class ProgramCache:
    """Signature -> :class:`Entry`, with the run policy (:meth:`run`). ``what`` names the step in warnings;
    ``warn``: warn when a signature gives up and stays eager; ``make``: trace -> executable."""

    def __init__(self, what: str = "step", max_traces: int = MAX_TRACES, warn: bool = True, make=Executable):
        self.what, self.max_traces, self.warn = what, max_traces, warn
        self.make = make  # trace -> executable (an optimising caller passes its own)
        self.entries: dict = {}

    def run(self, key, replay, trace, eager):
        """One call of the step with signature ``key``.

        ``replay(executable)`` runs a compiled step (may raise :class:`GuardFailed`); ``trace()`` runs the step
        eagerly inside a recorder and returns ``(result, Trace)``; ``eager()`` runs it plainly. Returns the
        step's result.
        """
        entry = self.entries.get(key)
        if entry is None:
            entry = self.entries[key] = Entry()
        if entry.eager is not None:
            return eager()
        for i, exe in enumerate(entry.executables):
            try:
                result = replay(exe)
            except GuardFailed:
                continue
            if i:  # the branch taken now is likely taken next time
                entry.executables.insert(0, entry.executables.pop(i))
            entry.replays += 1
            return result
        if entry.traces >= self.max_traces:
            entry.eager = (f"re-traced {entry.traces} times (changing values read on the host, or computation "
                           f"the recorder cannot see)")
            if self.warn:
                warnings.warn(f"compiled {self.what}: {entry.eager}; this input signature now runs eagerly",
                              stacklevel=3)
            return eager()
        result, new = trace()
        entry.traces += 1
        if new.unsafe is not None:
            if not new.retry:
                entry.eager = new.unsafe
                if self.warn:
                    warnings.warn(f"compiled {self.what}: runs eagerly: {new.unsafe}", stacklevel=3)
            return result
        twin = next((p for p in entry.pending if p.same_as(new)), None)
        if twin is None:
            entry.pending = (entry.pending + [new])[-4:]
        else:
            entry.pending.remove(twin)
            entry.executables.insert(0, self.make(new))
        return result

    def status(self) -> dict:
        """What each signature does: ``{key: {"compiled": n, "traces": n, "replays": n, "eager": reason}}``."""
        return {k: {"compiled": len(e.executables), "traces": e.traces, "replays": e.replays, "eager": e.eager}
                for k, e in self.entries.items()}

    def clear(self) -> None:
        self.entries.clear()


__all__ = ["ProgramCache", "MAX_TRACES"]
