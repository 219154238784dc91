"""A tracking server (http:// or https:// URI): the credentials probe, and what happens when it goes away.

Credentials are read the MLflow way, from MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD (or
MLFLOW_TRACKING_TOKEN), by MLflow's own client; the harness only uses them for one probe before
writing anything, and never prints, logs or records them (the URI is shown with any user:password@
part removed).

A server that goes away mid-suite (decided in issue 17; docs/scale.md, A team's store):
- an outage shorter than MLflow's own retries (MLFLOW_HTTP_REQUEST_MAX_RETRIES, default 7 with
  exponential back-off: minutes) is ridden out: the requests are retried and the suite goes on;
- a longer one ends the suite: the first request that fails for good raises ServerGone, and every
  later request through the same client fails at once instead of retrying for minutes again. The
  CLI prints one line and exits 1. Finished runs are kept; the run in flight cannot be written to,
  so it stays RUNNING until the same command is run again with the server back: resume marks it
  KILLED (stop_reason=abandoned) and reruns it, so every (config, seed) ends up finished once.
"""
from __future__ import annotations

import base64
import os
import re
import urllib.error
import urllib.parse
import urllib.request


class ServerGone(Exception):
    """The tracking server stopped answering. Deliberately not a RuntimeError: a run failing for this reason is
    not one bad configuration (harness.parallel.RUN_ERRORS), so the suite stops instead of failing every run."""


def redact(uri: str) -> str:
    """The URI without a user:password@ part, for messages."""
    return re.sub(r"(?<=://)[^/@]*@", "", uri)


def _auth_header(uri: str = "") -> dict[str, str]:
    user, password = os.environ.get("MLFLOW_TRACKING_USERNAME"), os.environ.get("MLFLOW_TRACKING_PASSWORD")
    parts = urllib.parse.urlsplit(uri)
    if parts.username is not None:  # http://user:password@host: requests (so MLflow) sends these instead
        user, password = urllib.parse.unquote(parts.username), urllib.parse.unquote(parts.password or "")
    if user and password:
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        return {"Authorization": f"Basic {token}"}
    if os.environ.get("MLFLOW_TRACKING_TOKEN"):
        return {"Authorization": f"Bearer {os.environ['MLFLOW_TRACKING_TOKEN']}"}
    return {}


def probe(uri: str, timeout_s: float = 5.0, error=RuntimeError) -> None:
    """Raise `error` (one line) unless the server answers and accepts this process's credentials.

    /health answers without credentials on MLflow's basic-auth app, so the probe also reads one
    experiment from an endpoint that needs them."""
    shown = redact(uri).rstrip("/")
    base = shown  # urllib would take user:password@ for part of the host name
    try:
        urllib.request.urlopen(base + "/health", timeout=timeout_s).close()
    except urllib.error.HTTPError:
        pass  # something answers (a proxy, an auth wall): the authenticated request below says more
    except (urllib.error.URLError, OSError) as e:
        raise error(f"tracking server {shown!r} is unreachable: {getattr(e, 'reason', e)}") from None
    request = urllib.request.Request(base + "/api/2.0/mlflow/experiments/search?max_results=1", headers=_auth_header(uri))
    try:
        urllib.request.urlopen(request, timeout=timeout_s).close()
    except urllib.error.HTTPError as e:
        if e.code in (401, 403):
            given = "refused the credentials" if _auth_header(uri) else "requires credentials"
            raise error(f"tracking server {shown} {given} (HTTP {e.code}): set MLFLOW_TRACKING_USERNAME and "
                        f"MLFLOW_TRACKING_PASSWORD") from None
        # Any other answer (an older server without this endpoint, a proxy's page): MLflow's own error says more.
    except (urllib.error.URLError, OSError) as e:
        raise error(f"tracking server {shown!r} is unreachable: {getattr(e, 'reason', e)}") from None


def _unreachable(exc: BaseException) -> BaseException | None:
    """The connection error (refused, timed out, retries exhausted on 5xx) under an MlflowException, if any."""
    import requests

    seen = exc
    while seen is not None:
        if isinstance(seen, (requests.exceptions.ConnectionError, requests.exceptions.Timeout,
                             requests.exceptions.RetryError)):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


class GuardedClient:
    """An MlflowClient whose requests raise ServerGone once the server stopped answering, and at once after that."""

    def __init__(self, client, uri: str):
        self._client, self._shown, self._gone = client, redact(uri), None

    def __getattr__(self, name):
        attr = getattr(self._client, name)
        if not callable(attr):
            return attr

        def call(*args, **kwargs):
            if self._gone is not None:
                raise ServerGone(self._gone)
            try:
                return attr(*args, **kwargs)
            except ServerGone:
                raise
            except Exception as e:
                cause = _unreachable(e)
                if cause is None:
                    raise
                root = cause  # the innermost reason reads best: "ConnectionRefusedError: [Errno 111] Connection refused"
                while (root.__cause__ or root.__context__) is not None:
                    root = root.__cause__ or root.__context__
                reason = f"{type(root).__name__}: {str(root).splitlines()[0][:200] if str(root) else ''}"
                self._gone = (f"tracking server {self._shown} stopped answering ({reason}); "
                              f"finished runs are kept; run the same command again once it is back to finish the rest")
                raise ServerGone(self._gone) from None

        return call
