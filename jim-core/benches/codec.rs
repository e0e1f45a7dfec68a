//! jim-core's codec against serde_json doing the same work.
//!
//! Each group runs the same input through both, e.g.
//! `decode/presence_plain/jim` and `decode/presence_plain/serde_json`:
//!
//! - decode: jim's `decode` (checks structure, depth, UTF-8, every escape
//!   and every field limit, borrows the strings) versus `serde_json::from_slice`
//!   into `#[derive(Deserialize)]` structs with owned `String` fields, which
//!   is what a std program would write;
//! - encode: jim's `encode` into a stack buffer versus `serde_json::to_writer`
//!   into a reused `Vec`. serde_json escapes nothing non-ASCII, so for
//!   Cyrillic it is compared with jim's `Escaping::Utf8` as well.
//!
//! Run: `cargo bench -p jim-core --bench codec -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use jim_core::{decode, Encode, Escaping, Message, Presence, Response};
use serde::{Deserialize, Serialize};

const PRESENCE_PLAIN: &[u8] = br#"{"action":"presence","time":1700000000,"type":"status","user":{"account_name":"alice","status":"Online"}}"#;
/// Name "Гость", status "В сети", escaped as Python's json.dumps sends them.
const PRESENCE_CYRILLIC: &[u8] = br#"{"action":"presence","time":1700000000,"type":"status","user":{"account_name":"\u0413\u043e\u0441\u0442\u044c","status":"\u0412 \u0441\u0435\u0442\u0438"}}"#;
const RESPONSE: &[u8] = br#"{"response":200,"time":1700000000,"alert":"OK"}"#;

// ---- what a std user would write with serde ----

#[derive(Deserialize)]
#[allow(dead_code)]
struct UserIn {
    account_name: String,
    status: Option<String>,
    password: Option<String>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct PresenceIn {
    action: String,
    time: Option<f64>,
    #[serde(rename = "type")]
    kind: Option<String>,
    user: UserIn,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct ResponseIn {
    response: u16,
    time: Option<f64>,
    alert: Option<String>,
    error: Option<String>,
}

#[derive(Serialize)]
struct UserOut<'a> {
    account_name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    password: Option<&'a str>,
}

#[derive(Serialize)]
struct PresenceOut<'a> {
    action: &'a str,
    time: u64,
    #[serde(rename = "type")]
    kind: &'a str,
    user: UserOut<'a>,
}

#[derive(Serialize)]
struct ResponseOut<'a> {
    response: u16,
    time: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    alert: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
}

fn presence_out<'a>(name: &'a str, status: &'a str) -> PresenceOut<'a> {
    PresenceOut {
        action: "presence",
        time: 1_700_000_000,
        kind: "status",
        user: UserOut {
            account_name: name,
            status: Some(status),
            password: None,
        },
    }
}

// ---- decode ----

fn bench_decode(c: &mut Criterion) {
    for (name, frame) in [
        ("presence_plain", PRESENCE_PLAIN),
        ("presence_cyrillic", PRESENCE_CYRILLIC),
    ] {
        // Both read the same thing.
        let Ok(Message::Presence(p)) = decode(frame) else {
            panic!("{name}")
        };
        let s: PresenceIn = serde_json::from_slice(frame).unwrap();
        assert_eq!(p.user.account_name.to_string(), s.user.account_name);
        assert_eq!(p.user.status.unwrap().to_string(), s.user.status.unwrap());

        let mut g = c.benchmark_group(format!("decode/{name}"));
        g.throughput(Throughput::Bytes(frame.len() as u64));
        g.bench_function("jim", |b| b.iter(|| decode(black_box(frame))));
        if name == "presence_cyrillic" {
            // jim's strings stay escaped until used; this variant also
            // copies both out, unescaped, as serde_json's Strings are.
            g.bench_function("jim+unescape", |b| {
                b.iter(|| {
                    let Ok(Message::Presence(p)) = decode(black_box(frame)) else {
                        unreachable!()
                    };
                    let mut name = [0u8; 100];
                    let mut status = [0u8; 100];
                    let name = p.user.account_name.unescape_into(&mut name).map(str::len);
                    let status = p
                        .user
                        .status
                        .map(|s| s.unescape_into(&mut status).map(str::len));
                    (name, status)
                })
            });
        }
        g.bench_function("serde_json", |b| {
            b.iter(|| serde_json::from_slice::<PresenceIn>(black_box(frame)).unwrap())
        });
        g.finish();
    }

    let r = Response::decode(RESPONSE).unwrap();
    let s: ResponseIn = serde_json::from_slice(RESPONSE).unwrap();
    assert_eq!(
        (r.code.as_u16(), r.alert.unwrap().to_string()),
        (s.response, s.alert.unwrap())
    );
    let mut g = c.benchmark_group("decode/response");
    g.throughput(Throughput::Bytes(RESPONSE.len() as u64));
    g.bench_function("jim", |b| b.iter(|| decode(black_box(RESPONSE))));
    g.bench_function("jim_response_only", |b| {
        b.iter(|| Response::decode(black_box(RESPONSE)))
    });
    g.bench_function("serde_json", |b| {
        b.iter(|| serde_json::from_slice::<ResponseIn>(black_box(RESPONSE)).unwrap())
    });
    g.finish();
}

// ---- encode ----

fn bench_encode(c: &mut Criterion) {
    let mut vec = Vec::with_capacity(640);

    // Plain presence: both write exactly PRESENCE_PLAIN.
    let presence = Presence::new("alice")
        .with_status("Online")
        .at(1_700_000_000);
    let out = presence_out("alice", "Online");
    let mut buf = [0u8; 640];
    let n = presence.encode(&mut buf).unwrap();
    assert_eq!(&buf[..n], PRESENCE_PLAIN);
    serde_json::to_writer(&mut vec, &out).unwrap();
    assert_eq!(vec, PRESENCE_PLAIN);

    let mut g = c.benchmark_group("encode/presence_plain");
    g.throughput(Throughput::Bytes(PRESENCE_PLAIN.len() as u64));
    g.bench_function("jim", |b| {
        b.iter(|| black_box(&presence).encode(black_box(&mut buf)))
    });
    g.bench_function("serde_json", |b| {
        b.iter(|| {
            vec.clear();
            serde_json::to_writer(black_box(&mut vec), black_box(&out))
        })
    });
    g.finish();

    // Cyrillic presence: jim escapes to ASCII by default; serde_json never
    // escapes non-ASCII, so jim's Utf8 mode is the like-for-like pair.
    let presence = Presence::new("Гость")
        .with_status("В сети")
        .at(1_700_000_000);
    let out = presence_out("Гость", "В сети");
    let n = presence.encode(&mut buf).unwrap();
    assert_eq!(&buf[..n], PRESENCE_CYRILLIC);
    let n = presence.encode_with(&mut buf, Escaping::Utf8).unwrap();
    vec.clear();
    serde_json::to_writer(&mut vec, &out).unwrap();
    assert_eq!(vec, &buf[..n]);

    let mut g = c.benchmark_group("encode/presence_cyrillic");
    g.bench_function("jim", |b| {
        b.iter(|| black_box(&presence).encode_with(black_box(&mut buf), Escaping::Utf8))
    });
    g.bench_function("jim_ascii_escaped", |b| {
        b.iter(|| black_box(&presence).encode(black_box(&mut buf)))
    });
    g.bench_function("serde_json", |b| {
        b.iter(|| {
            vec.clear();
            serde_json::to_writer(black_box(&mut vec), black_box(&out))
        })
    });
    g.finish();

    // Response.
    let response = Response::ok(1_700_000_000);
    let out = ResponseOut {
        response: 200,
        time: 1_700_000_000,
        alert: Some("OK"),
        error: None,
    };
    let n = response.encode(&mut buf).unwrap();
    assert_eq!(&buf[..n], RESPONSE);
    vec.clear();
    serde_json::to_writer(&mut vec, &out).unwrap();
    assert_eq!(vec, RESPONSE);

    let mut g = c.benchmark_group("encode/response");
    g.throughput(Throughput::Bytes(RESPONSE.len() as u64));
    g.bench_function("jim", |b| {
        b.iter(|| black_box(&response).encode(black_box(&mut buf)))
    });
    g.bench_function("serde_json", |b| {
        b.iter(|| {
            vec.clear();
            serde_json::to_writer(black_box(&mut vec), black_box(&out))
        })
    });
    g.finish();
}

criterion_group!(benches, bench_decode, bench_encode);
criterion_main!(benches);
