"""Headless Chromium for the tests that look at a page as a browser lays it out and runs it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="needs a headless Chromium on PATH (Debian: apt-get install chromium fonts-noto-cjk)")
# Every request but a file's goes to a port where nothing listens: a page that fetches anything fails.
OFFLINE = ("--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>")


def chromium(page: Path, profile: Path, *flags: str, size: str = "1280,900") -> subprocess.CompletedProcess[str]:
    """Runs Chromium headless on a file: its stdout holds what --dump-dom printed."""
    assert CHROMIUM is not None
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}",
         f"--window-size={size}", "--virtual-time-budget=10000", *OFFLINE, *flags, page.as_uri()],
        capture_output=True, text=True, timeout=180, check=False)
