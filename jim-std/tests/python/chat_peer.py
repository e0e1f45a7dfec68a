#!/usr/bin/env python3
"""A JIM chat peer written the way the course's programs are, in either
dialect. Standard library only.

Each line of standard input is a JSON object to send (``time`` is added);
every object received is printed on standard output as one JSON line.

--dialect course: the course reference's way. One
``send(json.dumps(msg).encode())`` per message, no delimiter; one
``recv(1024)`` per object, then ``json.loads`` -- so two objects that
arrive together break it: it then prints ``BROKEN <bytes>`` and exits 5.
Its presence has no ``type`` and no ``status``.

--dialect spec: a spec-style peer: a ``\\n`` after each object, reads the
stream line by line.

Exits 0 when stdin ends and ``--linger`` seconds have passed.
"""

import argparse
import json
import socket
import sys
import threading
import time


def reader_course(sock, out):
    while True:
        try:
            data = sock.recv(1024)
        except OSError:
            return
        if not data:
            out("CLOSED")
            return
        try:
            message = json.loads(data.decode("utf-8"))
        except ValueError:
            out("BROKEN %r" % data)
            sys.stdout.flush()
            # As a course client would: the connection is taken as broken.
            import os

            os._exit(5)
        out(json.dumps(message, ensure_ascii=False, sort_keys=True))


def reader_spec(sock, out):
    buf = b""
    while True:
        try:
            data = sock.recv(65536)
        except OSError:
            return
        if not data:
            out("CLOSED")
            return
        buf += data
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            if line.strip():
                message = json.loads(line.decode("utf-8"))
                out(json.dumps(message, ensure_ascii=False, sort_keys=True))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--addr", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--name", required=True)
    parser.add_argument("--dialect", choices=["course", "spec"], required=True)
    parser.add_argument("--linger", type=float, default=1.0)
    parser.add_argument("--timeout", type=float, default=10.0)
    args = parser.parse_args()

    lock = threading.Lock()

    def out(line):
        with lock:
            print(line)
            sys.stdout.flush()

    sock = socket.create_connection((args.addr, args.port), timeout=args.timeout)
    sock.settimeout(None)
    course = args.dialect == "course"

    def send(message):
        message.setdefault("time", time.time())
        data = json.dumps(message).encode()
        if not course:
            data += b"\n"
        sock.send(data)

    if course:
        send({"action": "presence", "user": {"account_name": args.name}})
    else:
        send(
            {
                "action": "presence",
                "type": "status",
                "user": {"account_name": args.name, "status": "here"},
            }
        )
    reader = reader_course if course else reader_spec
    threading.Thread(target=reader, args=(sock, out), daemon=True).start()
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        if line.startswith("sleep "):
            time.sleep(float(line.split()[1]))
            continue
        send(json.loads(line))
    time.sleep(args.linger)
    return 0


if __name__ == "__main__":
    sys.exit(main())
