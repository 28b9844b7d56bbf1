import io
import re
import sys
import time

import pytest

from neuroflow.callbacks import CallbackList, EarlyStopping, ProgbarLogger
from neuroflow.callbacks import progbar as progbar_module
from neuroflow.callbacks.progbar import format_value

from .fakes import FakeModel, run_fit

LOGS = [{"loss": 0.5, "accuracy": 0.9, "val_loss": 0.6, "val_accuracy": 0.875}] * 3
LINE = r"Epoch {}/3 - \d+(ms|s) - loss: 0\.5000 - accuracy: 0\.9000 - val_loss: 0\.6000 - val_accuracy: 0\.8750"


def test_verbose_0_prints_nothing(capsys):
    run_fit(FakeModel(), [], LOGS, verbose=0)
    run_fit(FakeModel(), [], LOGS, verbose=0, progbar=ProgbarLogger(dynamic=True))  # even if forced live
    assert capsys.readouterr().out == ""


def test_verbose_2_one_line_per_epoch(capsys):
    run_fit(FakeModel(), [], LOGS, verbose=2)
    lines = capsys.readouterr().out.split("\n")
    assert lines[-1] == "" and len(lines) == 4
    for i, line in enumerate(lines[:3]):
        assert re.fullmatch(LINE.format(i + 1), line), line


def test_verbose_2_without_a_live_bar_even_in_a_terminal(capsys):
    run_fit(FakeModel(), [], LOGS, verbose=2, progbar=ProgbarLogger(dynamic=True))
    out = capsys.readouterr().out
    assert "\r" not in out and len(out.splitlines()) == 3


def test_verbose_1_redirected_output_has_no_carriage_returns(capsys):
    # capsys' stdout is not a terminal, as with `python train.py > log.txt`
    run_fit(FakeModel(), [], LOGS, verbose=1, steps=50)
    out = capsys.readouterr().out
    assert "\r" not in out
    assert [bool(re.fullmatch(LINE.format(i + 1), l)) for i, l in enumerate(out.splitlines())] == [True] * 3


def test_verbose_1_live_bar(capsys, monkeypatch):
    monkeypatch.setattr(progbar_module, "_REFRESH_S", 0.0)  # redraw at every batch, to see the live values
    run_fit(FakeModel(), [], LOGS, verbose=1, steps=4, progbar=ProgbarLogger(dynamic=True))
    out = capsys.readouterr().out
    assert "\r" in out
    assert re.search(r"Epoch 2/3: 3/4 \|.*\| .*, loss: 0\.5000", out)  # steps, bar, live loss
    assert re.search(r"00:00<00:00", out)  # elapsed < ETA
    # each epoch ends with its complete line (the bar is cleared first)
    finals = [l.split("\r")[-1] for l in out.split("\n") if "val_loss" in l]
    assert [bool(re.fullmatch(LINE.format(i + 1), l)) for i, l in enumerate(finals)] == [True] * 3


def test_live_bar_with_unknown_steps(capsys, monkeypatch):
    monkeypatch.setattr(progbar_module, "_REFRESH_S", 0.0)
    bar = ProgbarLogger(dynamic=True)
    model = FakeModel()
    cl = CallbackList([bar], model=model, epochs=2, steps=None, verbose=1)
    cl.on_train_begin()
    for epoch in range(2):
        cl.on_epoch_begin(epoch)
        for b in range(3):
            cl.on_train_batch_end(b, {"loss": 0.25})
        cl.on_epoch_end(epoch, {"loss": 0.25})
    cl.on_train_end()
    out = capsys.readouterr().out
    assert "Epoch 1/2: 3 [" in out  # count only, no bar
    assert "Epoch 2/2: 2/3 |" in out  # steps learnt from the first epoch


def test_falls_back_to_lines_without_tqdm(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # makes `from tqdm.auto import tqdm` fail
    run_fit(FakeModel(), [], LOGS, verbose=1, progbar=ProgbarLogger(dynamic=True))
    out = capsys.readouterr().out
    assert "\r" not in out and re.fullmatch(LINE.format(1), out.splitlines()[0])


def test_formats_strings_at_most_every_refresh(monkeypatch):
    calls = []
    real = progbar_module.format_logs
    monkeypatch.setattr(progbar_module, "format_logs", lambda logs: calls.append(1) or real(logs))
    bar = ProgbarLogger(dynamic=True, file=io.StringIO())
    cl = CallbackList([bar], model=FakeModel(), epochs=1, steps=20000, verbose=1)
    cl.on_train_begin()
    cl.on_epoch_begin(0)
    start = time.perf_counter()
    logs = {"loss": 0.5}
    for b in range(20000):
        cl.on_train_batch_end(b, logs)
    elapsed = time.perf_counter() - start
    cl.on_epoch_end(0, logs)
    cl.on_train_end()
    assert len(calls) <= elapsed / progbar_module._REFRESH_S + 2  # +1 for the epoch's final line


def test_evaluate_and_predict_alone_and_silent_validation(capsys):
    model = FakeModel()
    cl = CallbackList([], add_progbar=True, model=model, epochs=1, steps=2, verbose=2)
    cl.on_test_begin()
    for b in range(2):
        cl.on_test_batch_end(b, {"loss": 0.125})
    cl.on_test_end({"loss": 0.125, "accuracy": 1.0})
    cl.on_predict_begin()
    for b in range(2):
        cl.on_predict_batch_end(b, {"outputs": None})
    cl.on_predict_end()
    lines = capsys.readouterr().out.splitlines()
    assert re.fullmatch(r"2/2 - \d+(ms|s) - \d+(ms|s)/step - loss: 0\.1250 - accuracy: 1\.0000", lines[0])
    assert re.fullmatch(r"2/2 - \d+(ms|s) - \d+(ms|s)/step", lines[1])
    # inside fit the validation pass prints nothing of its own
    run_fit(FakeModel(), [], LOGS[:1], verbose=2)
    assert len(capsys.readouterr().out.splitlines()) == 1


def test_messages_of_other_callbacks_do_not_break_the_bar(capsys):
    es = EarlyStopping(patience=0, verbose=1)
    run_fit(FakeModel(), [es], [{"loss": 1.0, "val_loss": v} for v in (1.0, 2.0)], verbose=1,
            progbar=ProgbarLogger(dynamic=True))
    out = capsys.readouterr().out
    assert "Epoch 2: early stopping\n" in out


@pytest.mark.parametrize("value, text", [(0.1234, "0.1234"), (0.9, "0.9000"), (1.23e-5, "1.2300e-05"),
                                         (0.0, "0.0000"), (12.5, "12.5000"), (float("nan"), "nan")])
def test_format_value(value, text):
    assert format_value(value) == text


def test_live_bar_in_a_notebook_even_though_stdout_is_no_terminal(capsys, monkeypatch):
    class Shell:
        config = {"IPKernelApp": {}}

    class FakeIPython:
        @staticmethod
        def get_ipython():
            return Shell()

    monkeypatch.setitem(sys.modules, "IPython", FakeIPython)
    run_fit(FakeModel(), [], LOGS[:1], verbose=1)
    assert "\rEpoch 1/1: 0/3 |" in capsys.readouterr().out
