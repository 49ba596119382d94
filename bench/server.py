"""The app under gunicorn on a loopback port, started and always stopped.

The listening socket is opened here (port 0: the kernel picks a free one) and handed to
gunicorn as `fd://N`, so the port is known before gunicorn starts and a first request
simply waits in the backlog until a worker accepts it: no polling for readiness.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def gunicorn(database_url: str, workers: int | None = None, threads: int = 4,
             secret_key: str = "bench-secret-key", log_path: Path | None = None):
    """Yield (host, port) of a running gunicorn serving `webapp` with the baselines on."""
    workers = workers or os.cpu_count() or 1
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Connections queued before gunicorn sets its options inherit ours: without this the
    # first ones would wait for delayed ACKs (Nagle), 40 ms an answer.
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1024)
    port = listener.getsockname()[1]
    env = dict(os.environ, DATABASE_URL=database_url, SECRET_KEY=secret_key, BENCHMARK_BASELINE="1")
    env.pop("FLASK_DEBUG", None)
    command = [
        sys.executable, "-m", "gunicorn",
        "--bind", f"fd://{listener.fileno()}",
        "--workers", str(workers),
        # gthread: keep-alive connections, and a worker's threads overlap their waits on
        # PostgreSQL (which shares the same cores).
        "--worker-class", "gthread", "--threads", str(threads),
        "--keep-alive", "30", "--backlog", "1024",
        "--graceful-timeout", "5", "--log-level", "warning",
        "webapp:create_app()",
    ]
    log = open(log_path, "wb") if log_path else subprocess.DEVNULL
    process = subprocess.Popen(command, cwd=ROOT, env=env, pass_fds=(listener.fileno(),),
                               stdout=log, stderr=log, start_new_session=True)
    # gunicorn holds its own copy now; if it dies, ours must not keep the port alive.
    listener.close()
    try:
        yield "127.0.0.1", port
    finally:
        stop(process)
        if log_path:
            log.close()


def stop(process: subprocess.Popen, timeout: float = 10) -> None:
    """SIGTERM to the whole process group, SIGKILL if it does not leave in time."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=timeout)
    except ProcessLookupError:
        pass
