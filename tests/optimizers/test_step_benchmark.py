"""``benchmarks/optimizer_step.py`` keeps running, and times each model on the path fit would take."""
from benchmarks import optimizer_step


def test_optimizer_step_benchmark_runs_on_fits_paths(capsys):
    rows = optimizer_step.main(["--repeat", "2"])
    assert len(rows) == len(optimizer_step.MODELS) * len(optimizer_step.OPTIMIZERS)
    for model, _, seconds, desc in rows:
        assert seconds > 0
        assert desc.endswith(" flat>") == (model == "churn")  # small weights packed, the MLP's 670k not
    assert "mnist-mlp" in capsys.readouterr().out
