"""Shared bits of the examples: locating the repository's data folder and making `import neuroflow` work from a
checkout without installation."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
if REPO not in sys.path:
    sys.path.insert(0, REPO)


def shared_data(*parts):
    """``../shared/data/<parts>`` beside the repository (where the course's datasets live)."""
    return os.path.join(os.path.dirname(REPO), "shared", "data", *parts)
