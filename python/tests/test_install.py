"""The package installs with pip from the source folder without a package index (the in-tree build backend)."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import unittest

from .support import REPO


class InstallTest(unittest.TestCase):
    def test_pip_installs_the_package_without_an_index(self) -> None:
        with tempfile.TemporaryDirectory() as target:
            subprocess.run(
                [sys.executable, "-m", "pip", "install", "--no-index", "--quiet", "--target", target, os.path.join(REPO, "python")],
                check=True,
                capture_output=True,
                timeout=120,
            )
            self.assertTrue(os.path.isfile(os.path.join(target, "lifeline", "py.typed")))
            probe = subprocess.run(
                [sys.executable, "-c", "import lifeline, lifeline.aio; print(lifeline.__file__)"],
                env={**os.environ, "PYTHONPATH": target},
                capture_output=True,
                text=True,
                check=True,
            )
            self.assertTrue(probe.stdout.startswith(target))


if __name__ == "__main__":
    unittest.main()
