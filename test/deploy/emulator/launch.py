"""Starts moto's server on 127.0.0.1 with the adaptations wirefeed's deploy test needs, then waits.

Usage: python3 launch.py --workdir DIR --node PATH [--region R] [--function-env KEY=VALUE ...]

Prints one JSON line on stdout once the server listens ({"port": N, "moto": "5.2.1"}), or one line starting with
"unavailable:" and exits 3 when moto is missing, or "unsupported:" and exits 4 when it is another version (the
adaptations hook into 5.2.1's internals). Stops when its stdin closes, so it never outlives the test that started it.
Every adaptation is listed, with why, in ../README.md.
"""

import argparse
import faulthandler
import json
import os
import signal
import sys

PINNED_MOTO = "5.2.1"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workdir", required=True, help="scratch directory for unzipped function code")
    parser.add_argument("--node", required=True, help="the node binary that runs Node.js functions")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--function-env", action="append", default=[], help="KEY=VALUE added to every function")
    args = parser.parse_args()
    faulthandler.register(signal.SIGUSR1)  # `kill -USR1 <pid>` prints every thread's stack to stderr

    try:
        import moto
    except ImportError as error:
        print(f"unavailable: moto is not installed for {sys.executable} ({error})", flush=True)
        return 3
    if moto.__version__ != PINNED_MOTO:
        print(f"unsupported: moto {moto.__version__} at {moto.__file__}; the adaptations need {PINNED_MOTO}", flush=True)
        return 4

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer

    import adaptations
    import sqs_event_sources
    from host_lambda import HostLambdaRuntime

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    _, port = server.get_host_and_port()
    base_url = f"http://127.0.0.1:{port}"

    extra_env = dict(item.split("=", 1) for item in args.function_env)
    runtime = HostLambdaRuntime(workdir=args.workdir, node=args.node, base_url=base_url, extra_env=extra_env)
    adaptations.apply(base_url=base_url, runtime=runtime)
    poller = sqs_event_sources.start(base_url=base_url, region=args.region)

    print(json.dumps({"port": port, "moto": moto.__version__}), flush=True)
    sys.stdin.read()  # returns when the parent closes our stdin or exits
    poller.stop()
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
