"""Serve moto's WSGI app with cheroot: keep-alive connections, a thread pool, and SIGTERM ending it at once.

    python serve.py [--host 0.0.0.0] [--port 5000] [--services s3 dynamodb ...]

moto's own entry point (`python -m moto.server`) serves the same app, `DomainDispatcherApplication`,
with werkzeug's development server, which closes every connection after one answer and starts a
thread per request; and moto's dispatcher lists the folders of its package on every request
(`moto.backends.list_of_moto_modules`, to recognise a service named as the Host). Measured per S3
call (GetObject and PutObject of a 45 KB object, boto3 on the host, 2026-12-04): the server's CPU
4.0-4.4 ms under moto's entry point, 2.5-3.6 ms with the folders listed once, 1.9-2.4 ms with that
and cheroot (docs/architecture.md, "Choices, and why").

With `--services`, a call signed for any other service is answered 501 NotImplemented naming those
served, instead of failing inside moto (whose other services this image does not hold) with a 500
that boto3 retries four times; the emulator's one URL answers such calls the same way.
"""

import argparse
import json
import os
import re
import signal
import sys
from collections.abc import Callable, Collection, Iterable
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

import moto.backends
from cheroot import wsgi
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

THREADS = 16  # requests handled at once; idle keep-alive connections hold no thread
LISTEN_BACKLOG = 1024  # cheroot's default, 5, drops the SYNs of a burst of new connections
KEEP_ALIVE_LIMIT = 256  # idle connections kept open (cheroot's default, 10, closes the rest after each answer)
IDLE_TIMEOUT_S = 300  # as the emulator's own server: a pooled connection is rarely closed under its client
CREDENTIAL = re.compile(r"Credential=[^/,\s]+/\d{8}/[^/]+/([^/]+)/aws4_request")  # SigV4's credential scope


def _stop(signum: int, frame) -> None:
    """Exit 0 at once: moto holds its state in memory only, so there is nothing to finish or save.

    Not cheroot's graceful stop: raising SystemExit into its serve loop left the process waiting
    forever now and then (2 of 8 runs of tests/unit/containers/test_moto_serve.py), its thread pool
    joining, with no timeout, a worker that never got its shutdown request.
    """
    print(f"moto: signal {signum} received, stopping", file=sys.stderr, flush=True)
    os._exit(0)


def freeze_module_list() -> tuple[str, ...]:
    """List moto's service folders once: they cannot change while it serves. Return them."""
    modules = tuple(moto.backends.list_of_moto_modules())
    moto.backends.list_of_moto_modules = lambda: modules  # type: ignore[assignment]
    return modules


def signed_for(environ: dict) -> str | None:
    """Return the service a SigV4 request is signed for (header or presigned query), or None."""
    found = CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
    if found:
        return found.group(1)
    parts = parse_qs(environ.get("QUERY_STRING", "")).get("X-Amz-Credential", [""])[0].split("/")
    return parts[3] if len(parts) == 5 and parts[4] == "aws4_request" else None


def only(services: Collection[str], app: Callable) -> Callable:
    """Return `app` answering 501 NotImplemented to a call signed for a service outside `services`."""

    def guarded(environ: dict, start_response: Callable) -> Iterable[bytes]:
        service = signed_for(environ)
        if service is None or service in services:
            return app(environ, start_response)
        message = (
            f"this call is signed for the AWS service {service!r}, which byoc's local AWS services do not hold: "
            f"they serve {', '.join(services)}. Point this client at the service's own endpoint or emulator."
        )
        if "json" in environ.get("CONTENT_TYPE", "") or "HTTP_X_AMZ_TARGET" in environ:
            body, kind = json.dumps({"__type": "NotImplemented", "message": message}).encode(), "application/json"
        else:  # the query and rest-xml protocols' error document
            body = (
                "<ErrorResponse><Error><Type>Sender</Type><Code>NotImplemented</Code>"
                f"<Message>{escape(message)}</Message></Error></ErrorResponse>"
            ).encode()
            kind = "text/xml"
        headers = [("Content-Type", kind), ("x-amzn-ErrorType", "NotImplemented"), ("Content-Length", str(len(body)))]
        start_response("501 Not Implemented", headers)
        return [body]

    return guarded


def make_server(host: str, port: int, services: Collection[str] | None = None) -> wsgi.Server:
    """Return cheroot's server of moto's dispatcher on host:port (not started); `services`: see `only`."""
    os.environ.setdefault("MOTO_PORT", str(port))  # as moto.server.main: the URLs moto writes into answers
    freeze_module_list()
    app = DomainDispatcherApplication(create_backend_app)
    server = wsgi.Server(
        (host, port),
        only(services, app) if services else app,
        numthreads=THREADS,
        request_queue_size=LISTEN_BACKLOG,
        timeout=IDLE_TIMEOUT_S,
        shutdown_timeout=1,
    )
    server.keep_alive_conn_limit = KEEP_ALIVE_LIMIT
    return server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="serve.py", description="moto's server, kept alive and pooled")
    parser.add_argument("-H", "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("-p", "--port", type=int, default=5000, help="port to listen on (default 5000)")
    parser.add_argument("--services", nargs="+", metavar="SERVICE", help="refuse calls signed for other services")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    server = make_server(args.host, args.port, args.services)
    print(f"moto: serving on http://{args.host}:{args.port}", file=sys.stderr, flush=True)
    server.safe_start()  # until a signal ends the process (_stop)
    return 0


if __name__ == "__main__":
    sys.exit(main())
