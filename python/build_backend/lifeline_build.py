"""A PEP 517 build backend on the standard library only, for installing the SDK where no package index is reachable.

It builds a pure-Python wheel of ``src/lifeline`` (and an sdist of the project folder), reading the name and version
from ``pyproject.toml``. ``pip install ./python`` uses it in an isolated build environment with nothing to download.
"""
from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import tarfile
import zipfile
from typing import Dict, List, Optional, Tuple

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_PACKAGE = "lifeline"


def _project() -> Tuple[str, str, str]:
    with open(os.path.join(_ROOT, "pyproject.toml"), encoding="utf-8") as file:
        text = file.read()
    project = text.split("[project]", 1)[1]

    def field(key: str) -> str:
        match = re.search(rf'^{key}\s*=\s*"([^"]*)"', project, re.MULTILINE)
        if match is None:
            raise RuntimeError(f"pyproject.toml has no [project] {key}")
        return match.group(1)

    return field("name"), field("version"), field("requires-python")


def _files() -> List[Tuple[str, str]]:
    base = os.path.join(_ROOT, "src")
    found = []
    for folder, dirs, names in os.walk(os.path.join(base, _PACKAGE)):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(names):
            if name.endswith((".py", ".typed")):
                path = os.path.join(folder, name)
                found.append((path, os.path.relpath(path, base).replace(os.sep, "/")))
    return found


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def get_requires_for_build_wheel(config_settings: Optional[Dict[str, str]] = None) -> List[str]:
    """Nothing to install: the backend uses the standard library."""
    return []


get_requires_for_build_sdist = get_requires_for_build_wheel
get_requires_for_build_editable = get_requires_for_build_wheel


def _wheel(wheel_directory: str, editable: bool) -> str:
    name, version, requires_python = _project()
    dist_info = f"{name}-{version}.dist-info"
    filename = f"{name}-{version}-py3-none-any.whl"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nRequires-Python: {requires_python}\n"
    wheel_meta = "Wheel-Version: 1.0\nGenerator: lifeline_build\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    entries: List[Tuple[str, bytes]] = []
    if editable:
        entries.append((f"_{name}_editable.pth", (os.path.join(_ROOT, "src") + "\n").encode()))
    else:
        for path, arcname in _files():
            with open(path, "rb") as file:
                entries.append((arcname, file.read()))
    entries.append((f"{dist_info}/METADATA", metadata.encode()))
    entries.append((f"{dist_info}/WHEEL", wheel_meta.encode()))
    record = [_record_line(arcname, data) for arcname, data in entries] + [f"{dist_info}/RECORD,,"]
    entries.append((f"{dist_info}/RECORD", ("\n".join(record) + "\n").encode()))
    with zipfile.ZipFile(os.path.join(wheel_directory, filename), "w", zipfile.ZIP_DEFLATED) as archive:
        for arcname, data in entries:
            archive.writestr(zipfile.ZipInfo(arcname, date_time=(2020, 1, 1, 0, 0, 0)), data)
    return filename


def build_wheel(
    wheel_directory: str,
    config_settings: Optional[Dict[str, str]] = None,
    metadata_directory: Optional[str] = None,
) -> str:
    """Builds ``lifeline-<version>-py3-none-any.whl`` into ``wheel_directory``."""
    return _wheel(wheel_directory, editable=False)


def build_editable(
    wheel_directory: str,
    config_settings: Optional[Dict[str, str]] = None,
    metadata_directory: Optional[str] = None,
) -> str:
    """Builds an editable wheel that points at ``src/`` (``pip install -e ./python``)."""
    return _wheel(wheel_directory, editable=True)


def build_sdist(sdist_directory: str, config_settings: Optional[Dict[str, str]] = None) -> str:
    """Builds ``lifeline-<version>.tar.gz`` of the project folder (sources, backend, pyproject)."""
    name, version, _ = _project()
    base = f"{name}-{version}"
    filename = f"{base}.tar.gz"
    with tarfile.open(os.path.join(sdist_directory, filename), "w:gz") as archive:
        for relative in ("pyproject.toml", "build_backend/lifeline_build.py"):
            archive.add(os.path.join(_ROOT, relative), arcname=f"{base}/{relative}")
        for path, arcname in _files():
            archive.add(path, arcname=f"{base}/src/{arcname}")
        info = tarfile.TarInfo(f"{base}/PKG-INFO")
        data = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode()
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return filename
