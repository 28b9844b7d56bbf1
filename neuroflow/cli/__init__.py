"""The ``neuroflow`` command line: ``neuroflow info`` (check the installation) and ``neuroflow demo`` (train a
small network end to end). Entry point: :func:`neuroflow.cli.main.main`.

Nothing is imported here: ``python -m neuroflow.cli.main`` must find ``neuroflow.cli.main`` not yet imported, and
the submodule ``main`` would shadow a function of the same name on this package anyway.
"""
