//! The blocking and async connections over mock transports: one that moves a
//! single byte per call, and one that delivers everything in one read.

use core::future::Future;
use core::pin::pin;
use core::task::{Context, Poll, Waker};

use jim_core::client::MAX_SKIPPED_BEFORE_ANSWER;
use jim_core::io::Error;
use jim_core::server::InputError;
use jim_core::{
    asynch, io, DecodeError, Encode, FrameError, Message, Presence, Response, StatusCode,
};

// ---- mocks ----

/// How a mock moves bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    /// One byte per read and per write.
    Trickle,
    /// Everything available in one read, any write accepted whole.
    Coalesce,
}

const STYLES: [Style; 2] = [Style::Trickle, Style::Coalesce];

/// The transport error of the failing mock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Broken;

impl core::fmt::Display for Broken {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("connection reset")
    }
}

impl core::error::Error for Broken {}

impl embedded_io::Error for Broken {
    fn kind(&self) -> embedded_io::ErrorKind {
        embedded_io::ErrorKind::ConnectionReset
    }
}

/// A response as written: code, alert, error.
type Answer = (u16, Option<String>, Option<String>);

/// A scripted peer: `input` is what it says, `written` what it heard.
struct Mock {
    style: Style,
    input: Vec<u8>,
    pos: usize,
    written: Vec<u8>,
    reads: usize,
    /// Fail reads once `input` is exhausted instead of reporting EOF.
    fail_at_end: bool,
    /// Accept no bytes on write.
    write_zero: bool,
    /// Async only: return `Pending` before every operation.
    yielded: bool,
}

impl Mock {
    fn new(style: Style, input: &[u8]) -> Self {
        Mock {
            style,
            input: input.to_vec(),
            pos: 0,
            written: Vec::new(),
            reads: 0,
            fail_at_end: false,
            write_zero: false,
            yielded: false,
        }
    }

    fn read_now(&mut self, buf: &mut [u8]) -> Result<usize, Broken> {
        self.reads += 1;
        let rest = &self.input[self.pos..];
        if rest.is_empty() && self.fail_at_end {
            return Err(Broken);
        }
        let n = match self.style {
            Style::Trickle => 1,
            Style::Coalesce => usize::MAX,
        }
        .min(rest.len())
        .min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.pos += n;
        Ok(n)
    }

    fn write_now(&mut self, buf: &[u8]) -> Result<usize, Broken> {
        if self.write_zero {
            return Ok(0);
        }
        let n = match self.style {
            Style::Trickle => 1,
            Style::Coalesce => usize::MAX,
        }
        .min(buf.len());
        self.written.extend_from_slice(&buf[..n]);
        Ok(n)
    }

    /// The lines written, each decoded as a response.
    fn responses(&self) -> Vec<Answer> {
        assert!(self.written.is_empty() || self.written.ends_with(b"\n"));
        self.written
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|line| {
                let r = Response::decode(line).unwrap();
                (
                    r.code.as_u16(),
                    r.alert.map(|t| t.to_string()),
                    r.error.map(|t| t.to_string()),
                )
            })
            .collect()
    }
}

impl embedded_io::ErrorType for Mock {
    type Error = Broken;
}

impl embedded_io::Read for Mock {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Broken> {
        self.read_now(buf)
    }
}

impl embedded_io::Write for Mock {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Broken> {
        self.write_now(buf)
    }

    fn flush(&mut self) -> Result<(), Broken> {
        Ok(())
    }
}

/// Returns `Pending` once (waking itself), then `Ready`.
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();

    fn poll(mut self: core::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

impl embedded_io_async::Read for Mock {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, Broken> {
        YieldOnce(false).await;
        self.yielded = true;
        self.read_now(buf)
    }
}

impl embedded_io_async::Write for Mock {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, Broken> {
        YieldOnce(false).await;
        self.write_now(buf)
    }

    async fn flush(&mut self) -> Result<(), Broken> {
        YieldOnce(false).await;
        Ok(())
    }
}

/// A minimal executor: polls with a no-op waker until ready.
fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..1_000_000 {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
    panic!("future never completed");
}

// ---- running a handshake both ways ----

/// What a handshake ended with, owned so blocking and async can be compared.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Ok {
        code: u16,
        alert: Option<String>,
    },
    /// [`Error::Rejected`], with the text of the connection's
    /// `last_response()`.
    Rejected {
        code: u16,
        text: Option<String>,
    },
    Err(Error<Broken>),
}

fn presence() -> Presence<'static> {
    Presence::new("alice")
        .with_status("Online")
        .at(1_700_000_000)
}

fn expected_request() -> Vec<u8> {
    let mut line = presence().encode_vec::<640>().unwrap().to_vec();
    line.push(b'\n');
    line
}

fn outcome(result: Result<Response<'_>, Error<Broken>>) -> Outcome {
    match result {
        Ok(r) => Outcome::Ok {
            code: r.code.as_u16(),
            alert: r.alert.map(|t| t.to_string()),
        },
        Err(e) => Outcome::Err(e),
    }
}

/// A rejection with the text of the answer the connection still holds.
fn with_text(outcome: Outcome, last: Option<Response<'_>>) -> Outcome {
    match outcome {
        Outcome::Err(Error::Rejected { code }) => Outcome::Rejected {
            code: code.as_u16(),
            text: last.and_then(|r| r.text()).map(|t| t.to_string()),
        },
        other => other,
    }
}

fn blocking_handshake(style: Style, reply: &[u8]) -> (Outcome, Mock) {
    let mut conn: io::Connection<Mock> = io::Connection::new(Mock::new(style, reply));
    let result = outcome(conn.handshake(&presence()));
    let result = with_text(result, conn.last_response());
    (result, conn.into_inner())
}

fn async_handshake(style: Style, reply: &[u8]) -> (Outcome, Mock) {
    let mut conn: asynch::Connection<Mock> = asynch::Connection::new(Mock::new(style, reply));
    let result = block_on(async { outcome(conn.handshake(&presence()).await) });
    let result = with_text(result, conn.last_response());
    let mock = conn.into_inner();
    assert!(mock.yielded || mock.reads == 0);
    (result, mock)
}

/// Runs the handshake over every mock style, blocking and async, checks the
/// request was written exactly, and that all four agree; returns the outcome.
fn handshake(reply: &[u8]) -> Outcome {
    let mut outcomes = Vec::new();
    for style in STYLES {
        for run in [blocking_handshake, async_handshake] {
            let (result, mock) = run(style, reply);
            assert_eq!(mock.written, expected_request(), "{style:?}");
            outcomes.push(result);
        }
    }
    for o in &outcomes {
        assert_eq!(o, &outcomes[0], "{:?}", String::from_utf8_lossy(reply));
    }
    outcomes.remove(0)
}

fn ok(code: u16, alert: Option<&str>) -> Outcome {
    Outcome::Ok {
        code,
        alert: alert.map(str::to_owned),
    }
}

// ---- handshake ----

#[test]
fn handshake_200() {
    let reply = br#"{"response":200,"alert":"OK"}"#;
    let (_, trickle) = blocking_handshake(Style::Trickle, reply);
    assert_eq!(trickle.reads, reply.len());
    let (_, trickle) = async_handshake(Style::Trickle, reply);
    assert_eq!(trickle.reads, reply.len());
    let (_, coalesced) = blocking_handshake(Style::Coalesce, reply);
    assert_eq!(coalesced.reads, 1);
    assert_eq!(
        handshake(b"{\"response\":200,\"time\":1700000000,\"alert\":\"OK\"}\n"),
        ok(200, Some("OK"))
    );
    // Python style spacing, no newline.
    assert_eq!(
        handshake(br#"{"response": 200, "time": 1700000000.5, "alert": "\u041e\u041a"}"#),
        ok(200, Some("ОК"))
    );
}

#[test]
fn handshake_bare_response() {
    assert_eq!(handshake(br#"{"response": 200}"#), ok(200, None));
    assert_eq!(handshake(br#"{"response":202}"#), ok(202, None));
}

#[test]
fn handshake_string_code() {
    assert_eq!(handshake(br#"{"response":"200"}"#), ok(200, None));
    assert_eq!(
        handshake(br#"{"response": "200", "alert": "OK", "encoding": "utf-8"}"#),
        ok(200, Some("OK"))
    );
}

#[test]
fn handshake_skips_a_probe_and_other_messages() {
    assert_eq!(
        handshake(b"{\"action\":\"probe\",\"time\":1}\n{\"response\":200,\"alert\":\"OK\"}\n"),
        ok(200, Some("OK"))
    );
    assert_eq!(
        handshake(
            br#"{"action":"probe"}{"action":"msg","to":"alice","from":"bob","message":"hi"}{"response":200}"#
        ),
        ok(200, None)
    );
}

fn rejected(code: u16, text: Option<&str>) -> Outcome {
    Outcome::Rejected {
        code,
        text: text.map(str::to_owned),
    }
}

#[test]
fn handshake_rejected() {
    assert_eq!(
        handshake(br#"{"response":409,"time":1,"error":"already connected"}"#),
        rejected(409, Some("already connected"))
    );
    // The course's bare 400, and a code as a string.
    assert_eq!(
        handshake(br#"{"response": "400", "error": "Bad Request"}"#),
        rejected(400, Some("Bad Request"))
    );
    assert_eq!(handshake(br#"{"response":409}"#), rejected(409, None));
    // A 1xx notice is not an acceptance either; its alert is the text.
    assert_eq!(
        handshake(br#"{"response":101,"alert":"wait"}"#),
        rejected(101, Some("wait"))
    );
    // The error is a few bytes whatever the server said: its text stays in
    // the receive buffer, whole, for `last_response()`.
    let long = format!(r#"{{"response":409,"error":"{}"}}"#, r"\u0416".repeat(100));
    assert_eq!(
        handshake(long.as_bytes()),
        rejected(409, Some("Ж".repeat(100).as_str()))
    );
    assert!(core::mem::size_of::<Error<Broken>>() <= 8);
}

#[test]
fn last_response_is_gone_once_more_is_read() {
    let reply = br#"{"response":409,"error":"taken"}"#;
    let mut conn: io::Connection<Mock> = io::Connection::new(Mock::new(Style::Trickle, reply));
    assert!(conn.last_response().is_none());
    assert!(matches!(
        conn.handshake(&presence()),
        Err(Error::Rejected { .. })
    ));
    assert_eq!(
        conn.last_response().and_then(|r| r.text()).unwrap(),
        "taken"
    );
    // The next read (here: the end of the stream) may move the buffer.
    assert!(matches!(conn.receive_frame(), Err(Error::Disconnected)));
    assert!(conn.last_response().is_none());
}

#[test]
fn handshake_eof() {
    assert_eq!(handshake(b""), Outcome::Err(Error::Disconnected));
    assert_eq!(handshake(b"  \n"), Outcome::Err(Error::Disconnected));
    assert_eq!(
        handshake(br#"{"action":"probe"}"#),
        Outcome::Err(Error::Disconnected)
    );
    assert_eq!(
        handshake(br#"{"response":2"#),
        Outcome::Err(Error::DisconnectedMidMessage)
    );
    assert_eq!(
        handshake(br#"{"action":"probe"} {"#),
        Outcome::Err(Error::DisconnectedMidMessage)
    );
    assert!(!Error::<Broken>::Disconnected.is_recoverable());
    assert!(!Error::<Broken>::DisconnectedMidMessage.is_recoverable());
}

#[test]
fn handshake_gives_up_after_too_many_non_answers() {
    let probes = |n: usize| r#"{"action":"probe"}"#.repeat(n);
    let max = usize::from(MAX_SKIPPED_BEFORE_ANSWER);
    // Exactly the allowed number of skipped messages, then the answer.
    let reply = format!(r#"{}{{"response":200}}"#, probes(max));
    assert_eq!(handshake(reply.as_bytes()), ok(200, None));
    // One more is too many, even if the answer would follow.
    let reply = format!(r#"{}{{"response":200}}"#, probes(max + 1));
    assert_eq!(handshake(reply.as_bytes()), Outcome::Err(Error::NoAnswer));
    let reply = r#"{"action":"msg","to":"a","message":"spam"}"#.repeat(100);
    assert_eq!(handshake(reply.as_bytes()), Outcome::Err(Error::NoAnswer));
}

#[test]
fn handshake_bad_answers_are_typed_errors() {
    assert_eq!(
        handshake(br#"{"response":"abc"}"#),
        Outcome::Err(Error::Decode(DecodeError::InvalidCode))
    );
    assert_eq!(
        handshake(br#"{"response":200,"alert":"\ud800"}"#),
        Outcome::Err(Error::Decode(DecodeError::Text(
            jim_core::Field::Alert,
            jim_core::TextError::LoneSurrogate
        )))
    );
    // Bytes outside any object (a banner, say) are skipped like a probe:
    // the answer after them counts, and without one the peer's close is
    // the error.
    assert_eq!(handshake(br#"garbage{"response":200}"#), ok(200, None));
    assert_eq!(handshake(b"garbage"), Outcome::Err(Error::Disconnected));
    let e = Error::<Broken>::Frame(FrameError::Garbage);
    assert!(e.is_recoverable());
    assert_eq!(e.status_code(), Some(StatusCode::BAD_REQUEST));
}

#[test]
fn coalesced_reply_keeps_the_second_message() {
    // The answer and a relayed message arrive in one read.
    let reply = br#"{"response":200}{"action":"msg","to":"alice","from":"bob","message":"hi"}"#;
    let mut conn: io::Connection<Mock> = io::Connection::new(Mock::new(Style::Coalesce, reply));
    assert_eq!(conn.handshake(&presence()).unwrap().code, StatusCode::OK);
    assert_eq!(conn.transport().reads, 1);
    let Message::Msg(m) = conn.receive().unwrap() else {
        panic!()
    };
    assert_eq!(m.message, "hi");
    assert_eq!(conn.transport().reads, 1);
    assert!(matches!(conn.receive(), Err(Error::Disconnected)));

    let mut conn: asynch::Connection<Mock> =
        asynch::Connection::new(Mock::new(Style::Coalesce, reply));
    block_on(async {
        assert_eq!(
            conn.handshake(&presence()).await.unwrap().code,
            StatusCode::OK
        );
        let Message::Msg(m) = conn.receive().await.unwrap() else {
            panic!()
        };
        assert_eq!(m.from.unwrap(), "bob");
        assert!(matches!(conn.receive().await, Err(Error::Disconnected)));
    });
}

#[test]
fn transport_failures() {
    let mut mock = Mock::new(Style::Trickle, br#"{"resp"#);
    mock.fail_at_end = true;
    let mut conn: io::Connection<Mock> = io::Connection::new(mock);
    assert_eq!(
        outcome(conn.handshake(&presence())),
        Outcome::Err(Error::Io(Broken))
    );

    let mut mock = Mock::new(Style::Coalesce, br#"{"response":200}"#);
    mock.write_zero = true;
    let mut conn: asynch::Connection<Mock> = asynch::Connection::new(mock);
    let result = block_on(async { outcome(conn.handshake(&presence()).await) });
    assert_eq!(result, Outcome::Err(Error::WriteZero));
    assert_eq!(conn.transport().reads, 0);
}

#[test]
fn send_refuses_what_cannot_be_encoded() {
    let long = "a".repeat(26);
    let mut conn: io::Connection<Mock> = io::Connection::new(Mock::new(Style::Trickle, b""));
    assert_eq!(
        conn.send(&Presence::new(long.as_str())),
        Err(Error::Encode(jim_core::EncodeError::TooLong(
            jim_core::Field::AccountName
        )))
    );
    // A message that does not fit the connection's buffer (with its newline).
    let mut small: io::Connection<Mock, 32> = io::Connection::new(Mock::new(Style::Trickle, b""));
    assert_eq!(
        small.send(&presence()),
        Err(Error::Encode(jim_core::EncodeError::BufferFull))
    );
    assert!(small.transport().written.is_empty());
    assert!(conn.transport().written.is_empty());
}

#[test]
fn utf8_escaping_on_the_wire() {
    let mut conn: io::Connection<Mock> = io::Connection::new(Mock::new(Style::Trickle, b""));
    conn.set_escaping(jim_core::Escaping::Utf8);
    conn.send(&Presence::new("Гость")).unwrap();
    assert_eq!(
        conn.transport().written,
        "{\"action\":\"presence\",\"type\":\"status\",\"user\":{\"account_name\":\"Гость\"}}\n"
            .as_bytes()
    );
}

// ---- serve_one ----

/// A client session with good and bad input interleaved.
fn session() -> Vec<u8> {
    let mut input = Vec::new();
    input.extend_from_slice(br#"{"action":"presence","time":1,"user":{"account_name":"alice"}}"#);
    input.extend_from_slice(b"\n");
    input.extend_from_slice(br#"{"action":}"#); // malformed JSON
    input.extend_from_slice(br#"{"action":"presence","user":{"account_name":"bob"}}"#);
    input.extend_from_slice(b"hello there\n"); // not an object at all
    input.extend_from_slice(br#"{"action":"presence","user":{"account_name":"carol"}}"#);
    input.extend_from_slice(
        format!(
            r#"{{"action":"msg","to":"b","message":"{}"}}"#,
            "x".repeat(700)
        )
        .as_bytes(),
    ); // too large
    input.extend_from_slice(br#"{"action":"presence","user":{"account_name":"dave"}}"#);
    input.extend_from_slice(br#"{"action":"get_contacts"}"#);
    input.extend_from_slice(b"{\"action\":\"presence\",\"user\":{\"account_name\":\"\xff\"}}");
    input.extend_from_slice(br#"{"action":"quit"}"#);
    input
}

/// What each `serve_one` call returned, owned.
#[derive(Debug, PartialEq, Eq)]
enum Served {
    Request(&'static str),
    Bad(InputError),
    Quit,
}

fn served(step: &jim_core::server::Step<'_>) -> Served {
    match &step.request {
        Ok(Message::Quit(_)) => Served::Quit,
        Ok(m) => Served::Request(m.action().unwrap()),
        Err(e) => Served::Bad(*e),
    }
}

fn expected_session() -> (Vec<Served>, Vec<Answer>) {
    let ok = || (200, Some("OK".to_owned()), None);
    let bad = |e: &str| (400, None, Some(e.to_owned()));
    (
        vec![
            Served::Request("presence"),
            Served::Bad(InputError::Decode(DecodeError::Syntax)),
            Served::Request("presence"),
            Served::Bad(InputError::Frame(FrameError::Garbage)),
            Served::Request("presence"),
            Served::Bad(InputError::Frame(FrameError::TooLarge)),
            Served::Request("presence"),
            Served::Request("get_contacts"),
            Served::Bad(InputError::Decode(DecodeError::InvalidUtf8)),
            Served::Quit,
        ],
        vec![
            ok(),
            bad("malformed JSON"),
            ok(),
            bad("not a JSON object"),
            ok(),
            bad("message too large"),
            ok(),
            (202, None, None),
            bad("invalid UTF-8"),
        ],
    )
}

#[test]
fn serve_one_blocking() {
    let (steps, responses) = expected_session();
    for style in STYLES {
        let mut conn: io::Connection<Mock> = io::Connection::new(Mock::new(style, &session()));
        let mut got = Vec::new();
        loop {
            match conn.serve_one(1_700_000_000) {
                Ok(step) => {
                    let quit = step.is_quit();
                    got.push(served(&step));
                    if quit {
                        break;
                    }
                }
                Err(e) => panic!("{style:?}: {e:?} after {got:?}"),
            }
        }
        assert_eq!(got, steps, "{style:?}");
        assert_eq!(conn.transport().responses(), responses, "{style:?}");
        // Then the client hangs up.
        assert_eq!(
            conn.serve_one(1).map(|s| served(&s)),
            Err(Error::Disconnected)
        );
    }
}

#[test]
fn serve_one_async() {
    let (steps, responses) = expected_session();
    for style in STYLES {
        let mut conn: asynch::Connection<Mock> =
            asynch::Connection::new(Mock::new(style, &session()));
        let got = block_on(async {
            let mut got = Vec::new();
            loop {
                let step = conn.serve_one(1_700_000_000).await.unwrap();
                let quit = step.is_quit();
                got.push(served(&step));
                if quit {
                    break got;
                }
            }
        });
        assert_eq!(got, steps, "{style:?}");
        assert_eq!(conn.transport().responses(), responses, "{style:?}");
    }
}

#[test]
fn serve_one_answer_has_the_server_time() {
    let mut conn: io::Connection<Mock> = io::Connection::new(Mock::new(
        Style::Coalesce,
        br#"{"action":"presence","user":{"account_name":"G"}}"#,
    ));
    conn.serve_one(1_234).unwrap();
    assert_eq!(
        conn.transport().written,
        b"{\"response\":200,\"time\":1234,\"alert\":\"OK\"}\n"
    );
}

#[test]
fn serve_one_disconnect_mid_message() {
    for style in STYLES {
        let mut conn: io::Connection<Mock> = io::Connection::new(Mock::new(
            style,
            br#"{"action":"presence","user":{"account_name":"G"}}{"action":"pres"#,
        ));
        assert!(conn.serve_one(1).is_ok());
        assert_eq!(
            conn.serve_one(1).map(|s| served(&s)),
            Err(Error::DisconnectedMidMessage)
        );
        assert_eq!(conn.transport().responses().len(), 1);
    }
}

#[test]
fn receive_frame_returns_raw_objects() {
    let mut conn: io::Connection<Mock> =
        io::Connection::new(Mock::new(Style::Trickle, b" {\"a\":1}\r\n{\"b\":[{}]} "));
    assert_eq!(conn.receive_frame().unwrap(), b"{\"a\":1}");
    assert_eq!(conn.receive_frame().unwrap(), b"{\"b\":[{}]}");
    assert_eq!(conn.receive_frame(), Err(Error::Disconnected));
}
