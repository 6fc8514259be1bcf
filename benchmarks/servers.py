"""The app's processes for benchmarks and browser tests: one way to start them.

`StreamlitServer` runs `streamlit run dashboard/server.py` on a free port; `Nginx` runs the
committed site configuration (deploy/nginx/spic-monitor.conf) before two or more of them.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "deploy" / "nginx" / "spic-monitor.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class StreamlitServer:
    """`streamlit run` of the app on a free port against `database_url`, until `stop()`.

    The browser tests use it too: one way to start the app for a browser. Its output goes to
    a file, not a pipe nobody reads (a full pipe would stall the server), and is shown when
    the server does not come up.
    """

    def __init__(
        self,
        database_url: str,
        timeout: float = 120,
        *,
        port: int | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.database_url = database_url
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._env = {**os.environ, **(env or {}), "DATABASE_URL": database_url}
        self._timeout = timeout
        self.start()

    def start(self) -> None:
        """(Re)start the process on this server's port, and wait until it answers."""
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the server
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(ROOT / "dashboard" / "server.py"),
                "--server.headless",
                "true",
                "--server.port",
                str(self.port),
                "--server.address",
                "127.0.0.1",
                "--browser.gatherUsageStats",
                "false",
                "--server.fileWatcherType",
                "none",
                "--global.developmentMode",
                "false",
            ],
            cwd=ROOT,
            env=self._env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.time() + self._timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"streamlit stopped:\n{self.output()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.read() == b"ok":
                        return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"streamlit did not become healthy within {self._timeout:.0f} s")

    def output(self) -> str:
        self._log.seek(0)
        return self._log.read().decode(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        self._log.close()


class Nginx:
    """The committed site configuration, with the test's ports, in an nginx of its own."""

    def __init__(self, directory: Path, backends: list[int]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        site = SITE.read_text()
        for default, port in zip(("8501", "8502"), backends, strict=True):
            site = site.replace(f"127.0.0.1:{default}", f"127.0.0.1:{port}")
        site = site.replace("listen 80;", f"listen 127.0.0.1:{self.port};")
        temp = " ".join(
            f"{kind}_temp_path {directory / kind};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        (directory / "nginx.conf").write_text(
            f"{'user root;' if os.geteuid() == 0 else ''}\n"
            f"pid {directory / 'nginx.pid'};\nerror_log {directory / 'error.log'};\n"
            "events { worker_connections 256; }\n"
            f"http {{\n access_log {directory / 'access.log'};\n {temp}\n{site}\n}}\n"
        )
        self.process = subprocess.Popen(
            [NGINX, "-p", str(directory), "-c", str(directory / "nginx.conf"), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2).read()
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError((directory / "error.log").read_text())

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
