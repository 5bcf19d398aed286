"""Entry point: `python3 /path/to/python/_xgi_worker` with the app's own
interpreter. Python puts this package's directory first on sys.path; no app
may ever import our modules by a common name, so that entry is replaced by
the parent directory long enough to import `_xgi_worker`, then removed
(STYLE.md: the worker never lands on the app's import path).
"""
import os
import sys

_here = os.path.dirname(os.path.abspath(__file__))
_root = os.path.dirname(_here)
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _here]
sys.path.insert(0, _root)
from _xgi_worker.worker import main  # noqa: E402
sys.path.remove(_root)

main()
