#!/usr/bin/env python3
"""A JIM client written the way the course's client programs are.

One ``send(json.dumps(msg).encode())`` per message, no delimiter, the
default ``json.dumps`` escaping (non-ASCII as \\uXXXX), one ``recv(640)``
for the answer, then ``json.loads``. Standard library only.

Prints the answer's code on the first line and the whole answer, re-dumped
as JSON, on the second. With ``--then quit`` or ``--then exit`` it then
sends that message and prints ``closed`` once the server has closed the
connection. Exits 0 on a 2xx answer, 1 otherwise.
"""

import argparse
import json
import socket
import sys
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--addr", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7777)
    parser.add_argument("--name", default="Guest")
    parser.add_argument("--status", default="Yep, I am here!")
    parser.add_argument(
        "--dialect",
        choices=["reference", "spec"],
        default="reference",
        help="reference: the course's presence (no type, no status); "
        "spec: with type and user.status",
    )
    parser.add_argument("--then", choices=["none", "quit", "exit"], default="none")
    parser.add_argument("--timeout", type=float, default=5.0)
    args = parser.parse_args()

    if args.dialect == "reference":
        presence = {
            "action": "presence",
            "time": time.time(),
            "user": {"account_name": args.name},
        }
    else:
        presence = {
            "action": "presence",
            "time": time.time(),
            "type": "status",
            "user": {"account_name": args.name, "status": args.status},
        }

    data = json.dumps(presence).encode()
    # json.dumps escapes non-ASCII by default: what goes on the wire is ASCII.
    if not data.isascii():
        print("course client bug: non-ASCII on the wire", file=sys.stderr)
        return 3

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(args.timeout)
    sock.connect((args.addr, args.port))
    sock.send(data)
    answer = json.loads(sock.recv(640).decode("ascii"))
    print(answer["response"])
    print(json.dumps(answer))
    sys.stdout.flush()

    if args.then == "quit":
        sock.send(json.dumps({"action": "quit"}).encode())
    elif args.then == "exit":
        sock.send(
            json.dumps(
                {"action": "exit", "time": time.time(), "account_name": args.name}
            ).encode()
        )
    if args.then != "none":
        rest = sock.recv(640)
        if rest:
            print("unexpected after %s: %r" % (args.then, rest), file=sys.stderr)
            return 4
        print("closed")
    sock.close()

    code = int(answer["response"])
    return 0 if 200 <= code < 300 else 1


if __name__ == "__main__":
    sys.exit(main())
