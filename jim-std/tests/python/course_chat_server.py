#!/usr/bin/env python3
"""A chat server written the way the course's final-lesson reference server is.

Binds 127.0.0.1 on an ephemeral port and prints the port on the first line
of stdout; afterwards prints one line per event (``login NAME``, ``message
SENDER DESTINATION TEXT``, ``exit NAME``, ``closed NAME``) for the tests.

Like the reference, it reads each request with one ``recv(1024)`` and
``json.loads(data.decode('ascii'))``: two requests in one read, or a
non-ASCII byte, are a broken client and cost it the connection.

- ``presence`` (``user.account_name``): a name already online gets 400 and
  is closed. A name given with ``--user NAME:PASSWORD`` must log in with the
  511 challenge: the server sends ``{"response": 511, "bin": <128 hex
  digits>}`` and expects ``{"response": 511, "bin": <base64 HMAC-MD5>}``
  keyed with the hex of PBKDF2-HMAC-SHA512(password, salt = name lower-cased,
  10000 rounds); then 200, or 400 and close. Other names get 200 at once.
  Everyone else online gets a ``{"response": 205}`` push.
- ``message`` (``sender``, ``destination``, ``mess_text``): relayed as is to
  the destination and answered 200; an unknown destination gets 400 with
  the course's text.
- ``get_contacts`` (``user``), ``add``/``remove`` (``user``,
  ``account_name``), ``get_users`` (``account_name``): 202 with
  ``data_list``, or 200.
- ``exit`` (``account_name``): the session ends.

Every wait is bounded by ``--timeout``. Standard library only.
"""

import argparse
import binascii
import hashlib
import hmac
import json
import os
import socket
import sys
import threading

lock = threading.Lock()
names = {}  # name -> socket
contacts = {}  # name -> list of names
known = set()


def say(line):
    with lock:
        print(line)
        sys.stdout.flush()


def send(sock, message):
    sock.send(json.dumps(message).encode())


def get(sock):
    data = sock.recv(1024)
    if not data:
        raise ConnectionError("closed")
    message = json.loads(data.decode("ascii"))
    if not isinstance(message, dict):
        raise ValueError("not an object")
    return message


def push_205(but):
    with lock:
        others = [s for n, s in names.items() if n != but]
    for s in others:
        try:
            send(s, {"response": 205})
        except OSError:
            pass


def login(sock, message, passwords):
    name = message["user"]["account_name"]
    with lock:
        taken = name in names
    if taken:
        send(sock, {"response": 400, "error": "Имя пользователя уже занято."})
        return None
    if name in passwords:
        salt = name.lower().encode("utf-8")
        key = binascii.hexlify(
            hashlib.pbkdf2_hmac("sha512", passwords[name].encode("utf-8"), salt, 10000)
        )
        challenge = binascii.hexlify(os.urandom(64))
        send(sock, {"response": 511, "bin": challenge.decode("ascii")})
        answer = get(sock)
        digest = hmac.new(key, challenge, "MD5").digest()
        client_digest = binascii.a2b_base64(answer.get("bin", ""))
        if answer.get("response") != 511 or not hmac.compare_digest(digest, client_digest):
            send(sock, {"response": 400, "error": "Неверный пароль."})
            return None
    with lock:
        names[name] = sock
        known.add(name)
    send(sock, {"response": 200})
    say("login " + name)
    push_205(name)
    return name


def serve(sock, passwords):
    name = None
    try:
        message = get(sock)
        if message.get("action") != "presence" or "user" not in message:
            send(sock, {"response": 400, "error": "Bad Request"})
            return
        name = login(sock, message, passwords)
        if name is None:
            return
        while True:
            message = get(sock)
            action = message.get("action")
            if action == "message" and all(
                k in message for k in ("destination", "sender", "time", "mess_text")
            ):
                with lock:
                    target = names.get(message["destination"])
                if target is None:
                    send(sock, {"response": 400,
                                "error": "Пользователь не зарегистрирован на сервере."})
                    continue
                say("message %s %s %s" % (message["sender"], message["destination"],
                                          message["mess_text"]))
                send(target, message)
                send(sock, {"response": 200})
            elif action == "get_contacts" and message.get("user") == name:
                send(sock, {"response": 202, "data_list": contacts.get(name, [])})
            elif action in ("add", "remove") and message.get("user") == name:
                mine = contacts.setdefault(name, [])
                other = message.get("account_name")
                if action == "add" and other not in mine:
                    mine.append(other)
                elif action == "remove" and other in mine:
                    mine.remove(other)
                send(sock, {"response": 200})
            elif action == "get_users" and message.get("account_name") == name:
                with lock:
                    everyone = sorted(known)
                send(sock, {"response": 202, "data_list": everyone})
            elif action == "exit":
                say("exit " + name)
                return
            else:
                send(sock, {"response": 400, "error": "Запрос некорректен."})
    except (OSError, ValueError, KeyError, ConnectionError) as e:
        say("closed %s (%s)" % (name, type(e).__name__))
    finally:
        if name is not None:
            with lock:
                names.pop(name, None)
            push_205(name)
        sock.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--user", action="append", default=[],
                        help="NAME:PASSWORD of an account that logs in with the 511 challenge")
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args()
    passwords = dict(u.split(":", 1) for u in args.user)

    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.settimeout(args.timeout)
    print(server.getsockname()[1])
    sys.stdout.flush()
    while True:
        try:
            client, _addr = server.accept()
        except socket.timeout:
            return 0
        client.settimeout(args.timeout)
        threading.Thread(target=serve, args=(client, passwords), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
