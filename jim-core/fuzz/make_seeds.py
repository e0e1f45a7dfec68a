#!/usr/bin/env python3
"""Writes the seed corpora: corpus/<target>/seed-NNN (one per line of
../tests/data/wild.jsonl, plus hostile inputs). Run from anywhere."""
import os
here = os.path.dirname(os.path.abspath(__file__))
root = os.path.join(here, 'corpus')
wild = open(os.path.join(here, '..', 'tests', 'data', 'wild.jsonl'), 'rb').read().splitlines()
hostile = [
    b'{"action":"presence","x":' + b'['*64 + b'1' + b']'*64 + b',"user":{"account_name":"G"}}',
    b'{"action":"probe","x":' + b'{"a":'*20 + b'1' + b'}'*20 + b'}',
    b'{"action":"presence","user":{"account_name":"\\ud83d"}}',
    b'{"action":"presence","user":{"account_name":"\\ude00\\ud83d"}}',
    b'{"action":"presence","user":{"account_name":"\\ud83d\\ude00\\u041f"}}',
    b'{"action":"presence","user":{"account_name":"\xff\xfe"}}',
    b'{"action":"presence","user":{"account_name":"\xed\xa0\x80"}}',
    b'{"action":"msg","to":"#r","message":"' + b'\\u0416'*501 + b'"}',
    b'{"action":"presence","user":{"account_name":"' + b'\\u0416'*26 + b'"}}',
    b'{"response":99999999999999999999}',
    b'{"response":"2\\u0030\\u0030"}',
    b'{"response":200,"time":-1e999,"alert":"\\"\\\\\\/\\b\\f\\n\\r\\t"}',
    b'{"action":"join","room":"room"}',
    b'{"action":"\\u0070resence"}',
    b'{"action":"presence","time":18446744073709551616,"user":{"account_name":"G"}}',
    b'{"action":"quit"}{"action":"quit"',
    b'garbage{"action":"probe"}]]}}{{',
    b'{"a":"\\"}"}',
    b'{"action":"presence","user":{"account_name":"a","account_name":"b"}}',
    b'{"action":"presence","user":{"account_name":""}}',
    b'{"action":"msg","to":"b","message":"\\u0000"}',
    b'{"action":"authenticate","user":{"account_name":"a"}}',
    b' \r\n\t{}',
    b'{"action":"presence","user":{"account_name":"G"}} x',
]
def write(target, items, prefix=b''):
    d = os.path.join(root, target)
    os.makedirs(d, exist_ok=True)
    for i, item in enumerate(items, 1):
        open(os.path.join(d, 'seed-%03d' % i), 'wb').write(prefix(i) + item if callable(prefix) else prefix + item)
write('decode', wild + hostile)
# framer_chunks: a header byte (chunk-size count, capacity, feeding), then
# that many chunk sizes, then the stream.
headers = [b'\x00', b'\x01\x01', b'\x02\x03\x07', b'\x03\x40\x02\x05',
           b'\x19\x05', b'\x0a\x01\x02', b'\x11\x01']
stream_items = [l + b'\n' for l in wild] + hostile
stream_items.append(b'\n'.join(wild[:20]) + b'\n')
stream_items.append(b''.join(wild[20:40]))
stream_items.append(b'{"action":"msg","to":"b","message":"' + b'x'*700 + b'"}{"action":"probe"}')
write('framer_chunks', stream_items, lambda i: headers[i % len(headers)])
# framer_limits: a capacity byte and a chunk-size byte, then the stream;
# the streams are short, hostile ones that hit the small capacities.
limits = hostile + [
    b'{"a":"0123456789abcdef{}"}{"ok":1}',
    b'{"a":[[[[[[[[[[1]]]]]]]]]]}{}',
    b'hello world{"a":1}]]{}',
    b'hello\nworld\r\n\n  {}',
    b'{"a":"\\"}"}{"b":"}"}',
    b'{' * 20 + b'}' * 20 + b'{}',
    b'{}{}{}' + b'x' * 40 + b'\n{"k":"v"}',
    b'{"action":"probe","time":1}\n{"action":"quit"}\n',
] + wild[:24]
write('framer_limits', limits, lambda i: bytes([i % 8, (i * 7) % 64]))
# framer_decode: a bare stream of several objects.
decode_streams = [b'\n'.join(wild[i:i + 6]) + b'\n' for i in range(0, len(wild), 6)]
decode_streams += [h + b'\n' + wild[i % len(wild)] for i, h in enumerate(hostile)]
write('framer_decode', decode_streams)
