#!/usr/bin/env python3
"""Writes the hub target's seeds: corpus/hub/seed-NNN, realistic JIM
conversations in the target's operation format (see fuzz_targets/hub.rs).
Run from anywhere."""
import os

here = os.path.dirname(os.path.abspath(__file__))


def connect():
    return b'\x00'


def send(k, data):
    """Bytes from client k, as many ops as 255-byte pieces."""
    if isinstance(data, str):
        data = data.encode()
    out = b''
    for i in range(0, len(data), 255):
        piece = data[i:i + 255]
        out += b'\x01' + bytes([k, len(piece)]) + piece
    return out


def line(k, text):
    return send(k, text + '\n')


def touch(k):
    return b'\x04' + bytes([k])


def gone(k):
    return b'\x05' + bytes([k])


def tick(half_seconds):
    return b'\x06' + bytes([half_seconds])


def wait(half_seconds):
    return b'\x07' + bytes([half_seconds])


def presence(name, course=False):
    if course:
        return '{"action":"presence","time":1.5,"user":{"account_name":"%s"}}' % name
    return ('{"action":"presence","time":1,"type":"status",'
            '"user":{"account_name":"%s","status":"here"}}' % name)


def login(name, password):
    return ('{"action":"authenticate","time":1,'
            '"user":{"account_name":"%s","password":"%s"}}' % (name, password))


two = connect() + connect() + line(0, presence('alice')) + line(1, presence('bob'))
seeds = [
    # A direct message each way.
    two + line(0, '{"action":"msg","to":"bob","message":"hi"}')
    + line(1, '{"action":"msg","time":1700000000,"to":"alice","from":"bob",'
              '"message":"\\u041f\\u0440\\u0438\\u0432\\u0435\\u0442"}'),
    # The course dialect.
    connect() + connect() + line(0, presence('ivan', True)) + line(1, presence('petr', True))
    + line(0, '{"action": "message", "time": 1.5, "to": "petr", "from": "ivan", "mess_text": "Привет"}')
    + line(1, '{"action":"message","destination":"ivan","sender":"petr","message_text":"hi"}'),
    # A room: join, talk, leave, #all.
    two + line(0, '{"action":"join","room":"#rust"}') + line(1, '{"action":"join","room":"#rust"}')
    + line(0, '{"action":"msg","to":"#rust","message":"hello"}')
    + line(1, '{"action":"leave","room":"#rust"}')
    + line(1, '{"action":"msg","to":"#all","message":"everyone"}'),
    # Contacts and users.
    two + line(0, '{"action":"add_contact","user_id":"bob"}')
    + line(0, '{"action":"get_contacts","user_login":"alice"}')
    + line(0, '{"action":"del_contact","user_id":"bob"}')
    + line(0, '{"action":"get_contacts"}') + line(1, '{"action":"get_users"}')
    + line(1, '{"action":"add","user":"alice","account_name":"bob"}'),
    # Accounts: a message for an offline account, delivered at its login.
    connect() + connect() + line(0, login('alice', 'pw')) + line(1, login('bob', 'secret'))
    + gone(1) + line(0, '{"action":"msg","to":"bob","message":"later"}')
    + connect() + line(2, login('bob', 'wrong')) + line(2, login('bob', 'secret')),
    # History.
    two + line(0, '{"action":"msg","to":"bob","message":"one"}')
    + line(1, '{"action":"get_history","to":"alice"}'),
    # Idle: a probe at half the timeout, a close at the timeout.
    two + tick(60) + line(0, '{"response":200}') + tick(70) + tick(120),
    # Quit, and a name taken twice.
    two + connect() + line(2, presence('alice')) + line(0, '{"action":"quit"}')
    + line(2, presence('alice')) + line(1, '{"action":"exit","account_name":"bob"}'),
    # Keys.
    connect() + connect()
    + line(0, '{"action":"presence","user":{"account_name":"ivan","pubkey":'
              '"-----BEGIN PUBLIC KEY-----\\nMIIB\\n-----END PUBLIC KEY-----"}}')
    + line(1, presence('olga')) + line(1, '{"action":"pubkey_need","account_name":"ivan"}'),
    # Bad input: garbage, an unknown action, a long message, too deep. (No
    # frame over the 8 KiB limit: a seed that long would raise libFuzzer's
    # -max_len, and every input's cost, for one branch.)
    connect() + send(0, 'hello\n') + line(0, '{"action":"fly"}')
    + line(0, presence('bob')) + line(0, '{"action":"msg","to":"#all","message":"' + 'x' * 1500 + '"}')
    + line(0, '{"a":' + '[' * 12 + ']' * 12 + '}') + line(0, presence('alice')),
    # One object split over reads, two in one read, touches in between.
    two + send(0, '{"action":"msg","to":') + touch(0) + wait(4)
    + send(0, '"bob","message":"split"}{"action":"get_users"}\n'),
    # Requests before a name, a disconnect, a late frame for the gone client.
    connect() + line(0, '{"action":"get_contacts"}') + line(0, '{"action":"join","room":"#r"}')
    + gone(0) + line(0, presence('alice')) + gone(0),
    # A flood against the rate limit.
    two + b''.join(line(0, '{"action":"get_users"}') for _ in range(40)) + tick(4),
]
d = os.path.join(here, 'corpus', 'hub')
os.makedirs(d, exist_ok=True)
for i, seed in enumerate(seeds, 1):
    with open(os.path.join(d, 'seed-%03d' % i), 'wb') as f:
        f.write(seed)
