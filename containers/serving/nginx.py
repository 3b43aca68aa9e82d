"""The nginx configuration: listen on the bind port, proxy to gunicorn's unix socket, logs to stdout/stderr."""

from pathlib import Path

from .config import MAX_BODY_BYTES, ServeSettings

TEMPLATE = """\
worker_processes 1;
daemon off;
pid {run_dir}/nginx.pid;
error_log stderr warn;

events {{
    worker_connections 1024;
}}

http {{
    access_log /dev/stdout combined buffer=64k flush=1s;  # one write per 64 KiB or second, not per request
    client_body_temp_path {run_dir}/client_body;
    proxy_temp_path {run_dir}/proxy;
    fastcgi_temp_path {run_dir}/fastcgi;
    uwsgi_temp_path {run_dir}/uwsgi;
    scgi_temp_path {run_dir}/scgi;
    client_max_body_size {max_body};
    client_body_buffer_size {max_body};
    proxy_buffer_size 64k;
    proxy_buffers 8 1m;
    proxy_read_timeout {read_timeout}s;
    proxy_send_timeout {read_timeout}s;
    keepalive_timeout 75s;

    upstream gunicorn {{
        server unix:{socket};
    }}

    server {{
        listen {port};
        error_page 413 @too_large;
        location @too_large {{
            default_type text/plain;
            return 413 "the request body exceeds {max_body} bytes (6 MiB), SageMaker's limit\\n";
        }}
        location / {{
            proxy_set_header Host $http_host;
            proxy_redirect off;
            proxy_pass http://gunicorn;
        }}
    }}
}}
"""


def render(settings: ServeSettings, run_dir: Path, socket: Path) -> str:
    """Return nginx.conf text for these settings; every file nginx writes goes under run_dir."""
    return TEMPLATE.format(
        run_dir=run_dir,
        socket=socket,
        port=settings.port,
        max_body=MAX_BODY_BYTES,
        read_timeout=settings.timeout + 5,
    )
