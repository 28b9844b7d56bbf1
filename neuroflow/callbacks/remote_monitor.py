"""RemoteMonitor: post each epoch's logs to a server as JSON (Keras 3's callback, sent with the standard library's
``urllib`` instead of ``requests``)."""
from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
import warnings

import numpy as np

from .base import Callback

__all__ = ["RemoteMonitor"]


class RemoteMonitor(Callback):
    """POST ``{"epoch": epoch, **logs}`` to ``root + path`` at each epoch's end.

    Args:
        root: the server's address (``"http://localhost:9000"``).
        path: the path on it (``"/publish/epoch/end/"``).
        field: with ``send_as_json=False``, the form field whose value is the JSON text (``"data"``).
        headers: extra HTTP headers (a dict).
        send_as_json: send the JSON as the request body (``application/json``) instead of a form field.

    An unreachable server gives a warning, not an error: training goes on.
    """

    def __init__(self, root="http://localhost:9000", path="/publish/epoch/end/", field="data", headers=None,
                 send_as_json=False, timeout=10.0):
        super().__init__()
        self.root, self.path, self.field = root, path, field
        self.headers, self.send_as_json, self.timeout = headers, bool(send_as_json), timeout

    def on_epoch_end(self, epoch, logs=None):
        send = {"epoch": epoch}
        for key, value in (logs or {}).items():
            send[key] = value.item() if isinstance(value, (np.ndarray, np.generic)) else value
        headers = dict(self.headers or {})
        if self.send_as_json:
            body = json.dumps(send).encode("utf-8")
            headers.setdefault("Content-Type", "application/json")
        else:
            body = urllib.parse.urlencode({self.field: json.dumps(send)}).encode("utf-8")
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        request = urllib.request.Request(self.root + self.path, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()
        except (urllib.error.URLError, OSError, ValueError) as error:
            warnings.warn(f"RemoteMonitor: could not reach the server at {self.root} ({error})", stacklevel=2)
