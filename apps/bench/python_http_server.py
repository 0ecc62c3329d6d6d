#!/usr/bin/python3
"""The Python original's HTTP serving, to benchmark ours beside it: a
Starlette app served by uvicorn, configured as the original's start_server
configures one process (access_log=False, backlog=128, no log config of
its own; uvicorn picks its fastest event loop and HTTP parser), with
POST /double doing the same JSON work as ours ({"x":21} -> {"x":21,"y":42}).

It stands in for the original, which is not a Debian package: what it
serves HTTP with is, and the original adds nothing on a request's path
for a route that answers in its handler. Needs Debian's python3-uvicorn
and python3-starlette (deploy/install-deps.sh), so it runs with Debian's
own Python.

Listens on 127.0.0.1 at a free port and prints one line once it listens
(connections wait in the backlog until uvicorn serves them):
`ready http=127.0.0.1:PORT`. With --describe it prints
what it would serve with, for a benchmark's settings, and exits:
`uvicorn-V,starlette-V,loop=uvloop,parser=HttpToolsProtocol`."""
import asyncio
import socket
import sys

import starlette
import uvicorn
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route


async def double(request):
    data = await request.json()
    return JSONResponse({"x": data["x"], "y": 2 * data["x"]})


def main():
    app = Starlette(routes=[Route("/double", double, methods=["POST"])])
    config = uvicorn.Config(app, host="127.0.0.1", port=0, access_log=False, backlog=128,
                            log_config=None, log_level="warning")
    if sys.argv[1:] == ["--describe"]:
        config.load()  # as uvicorn does when it starts: it picks the parser and loop
        config.setup_event_loop()
        loop = type(asyncio.get_event_loop_policy()).__module__.split(".")[0]
        print(f"uvicorn-{uvicorn.__version__},starlette-{starlette.__version__},loop={loop},"
              f"parser={config.http_protocol_class.__name__}")
        return 0
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(config.backlog)  # connections wait in the backlog until uvicorn serves
    host, port = sock.getsockname()
    print(f"ready http={host}:{port}", flush=True)
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    sys.exit(main())
