#!/usr/bin/env python3
"""A JIM server written the way the course's reference server is.

Binds 127.0.0.1 on an ephemeral port and prints the port on the first
line of stdout. For each of ``--count`` connections it does one
``recv(640)``, ``json.loads(data.decode('ascii'))`` (so a peer that sends
non-ASCII bytes makes it fail), prints the received message re-dumped as
JSON on one line, sends ``--reply`` (default: the course's bare
``{"response": 200}``) with one ``send(json.dumps(reply).encode())`` and
closes the connection. Every wait is bounded by ``--timeout``.
Standard library only.
"""

import argparse
import json
import socket
import sys


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reply", default='{"response": 200}')
    parser.add_argument("--count", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=20.0)
    args = parser.parse_args()
    reply = json.loads(args.reply)

    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.settimeout(args.timeout)
    print(server.getsockname()[1])
    sys.stdout.flush()

    for _ in range(args.count):
        client, _addr = server.accept()
        client.settimeout(args.timeout)
        data = client.recv(640)
        message = json.loads(data.decode("ascii"))
        print(json.dumps(message))
        sys.stdout.flush()
        client.send(json.dumps(reply).encode())
        client.close()
    server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
