"""moto's DynamoDB-protocol server for the tests, made as atomic as DynamoDB.

DynamoDB applies each write to an item atomically: two concurrent UpdateItem calls that each
`ADD related :one` add two. moto's server handles requests on threads and its backend does
not lock, so concurrent updates of one item can lose one another (a storm of 200 alerts
joining one project counted 196). This serialises the requests, which makes every
single-item write atomic, as the service documents, at no cost the tests notice.

The server listens on 127.0.0.1 and a free port, which werkzeug prints on stderr
(` * Running on http://127.0.0.1:<port>`). It exits when its stdin closes, so a test
process that dies leaves no server behind. Exit status 3: moto is not installed.
"""

import os
import sys
import threading

threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()

try:
    import moto.server
except ImportError as err:
    print(f"moto is not installed: {err}", file=sys.stderr, flush=True)
    sys.exit(3)

_serve = moto.server.run_simple
_one_at_a_time = threading.Lock()


def _run_simple(host, port, app, **options):
    def serialised(environ, start_response):
        with _one_at_a_time:
            # The whole response is produced under the lock, not only its first bytes.
            return list(app(environ, start_response))

    return _serve(host, port, serialised, **options)


moto.server.run_simple = _run_simple
moto.server.main(["-H", "127.0.0.1", "-p", "0"])
