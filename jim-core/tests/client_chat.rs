//! The chat client, byte for byte: the sans-IO `client::Client` (frames
//! in, events and bytes to write out) and the blocking and async
//! `Session`s over scripted transports.

use core::future::Future;
use core::pin::pin;
use core::task::{Context, Poll, Waker};

use jim_core::client::{Client, ClientError, Event, Request, Ticket, MAX_PENDING};
use jim_core::{io, Escaping, FrameError, Presence, StatusCode};

const PRESENCE: &[u8] = b"{\"action\":\"presence\",\"time\":7,\"type\":\"status\",\"user\":{\"account_name\":\"sensor-7\",\"status\":\"Online\"}}\n";

fn presence() -> Presence<'static> {
    Presence::new("sensor-7").with_status("Online").at(7)
}

#[test]
fn engine_writes_golden_bytes_for_each_request() {
    let mut client = Client::new(presence());
    let mut out = [0u8; 256];
    let (t0, bytes) = client.hello(&mut out, Escaping::Ascii).unwrap();
    assert_eq!(bytes, PRESENCE);
    let (t1, bytes) = client.join("#sensors", &mut out, Escaping::Ascii).unwrap();
    assert_eq!(bytes, b"{\"action\":\"join\",\"room\":\"#sensors\"}\n");
    let (t2, bytes) = client
        .send_to("#sensors", "reading 1 at 2 s", &mut out, Escaping::Ascii)
        .unwrap();
    assert_eq!(
        bytes,
        &b"{\"action\":\"msg\",\"time\":7,\"to\":\"#sensors\",\"from\":\"sensor-7\",\"message\":\"reading 1 at 2 s\"}\n"[..]
    );
    let (t3, bytes) = client.leave("#sensors", &mut out, Escaping::Ascii).unwrap();
    assert_eq!(bytes, b"{\"action\":\"leave\",\"room\":\"#sensors\"}\n");
    assert_eq!(
        [t0, t1, t2, t3],
        [Ticket(0), Ticket(1), Ticket(2), Ticket(3)]
    );
    assert_eq!(client.pending(), 4);
    let (t4, bytes) = client.probe_reply(&mut out, Escaping::Ascii).unwrap();
    assert_eq!(bytes, PRESENCE);
    assert_eq!(t4, Ticket(4));
    assert_eq!(client.pending(), 5, "a probe's presence is answered too");
}

#[test]
fn answers_match_requests_in_order_and_relayed_messages_are_not_answers() {
    let mut client = Client::new(presence());
    let mut out = [0u8; 256];
    let (hello, _) = client.hello(&mut out, Escaping::Ascii).unwrap();
    assert!(!client.is_ready());
    match client
        .feed(Ok(br#"{"response":200,"alert":"OK"}"#))
        .unwrap()
    {
        Event::Answer {
            ticket,
            request: Request::Presence,
            response,
        } => {
            assert_eq!(ticket, hello);
            assert_eq!(response.alert.unwrap(), "OK");
        }
        other => panic!("{other:?}"),
    }
    assert!(client.is_ready());

    let (join, _) = client.join("#sensors", &mut out, Escaping::Ascii).unwrap();
    let (msg, _) = client
        .send_to("bob", "hi", &mut out, Escaping::Ascii)
        .unwrap();
    assert!(client.awaits(join) && client.awaits(msg));

    // A relayed room message (course dialect, with `room`) while both
    // answers are awaited: a message, and nothing is popped.
    let relayed = br##"{"action":"message","time":1795617769.5,"to":"sensor-7","from":"bob","mess_text":"hello room","room":"#sensors"}"##;
    match client.feed(Ok(relayed)).unwrap() {
        Event::Message(m) => {
            assert_eq!(m.message, "hello room");
            assert_eq!(m.room.unwrap(), "#sensors");
            assert_eq!(m.from.unwrap(), "bob");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(client.pending(), 2);

    // A probe in between: no answer either; its presence is a request
    // of its own, answered after the two before it.
    assert_eq!(
        client.feed(Ok(br#"{"action":"probe","time":3}"#)).unwrap(),
        Event::Probe
    );
    assert_eq!(client.pending(), 2);
    let (probe, bytes) = client.probe_reply(&mut out, Escaping::Ascii).unwrap();
    assert_eq!(bytes, PRESENCE);
    // A 205 push and a notice are not answers.
    assert!(matches!(
        client.feed(Ok(br#"{"response":205}"#)).unwrap(),
        Event::Notice(r) if r.code.as_u16() == 205
    ));
    assert!(matches!(
        client
            .feed(Ok(br#"{"response":101,"alert":"maintenance"}"#))
            .unwrap(),
        Event::Notice(_)
    ));
    assert_eq!(client.pending(), 3);

    // The answers, in order: the join's, the message's 404, the probe's.
    assert!(matches!(
        client.feed(Ok(br#"{"response":"200"}"#)).unwrap(),
        Event::Answer { ticket, request: Request::Join, .. } if ticket == join
    ));
    match client
        .feed(Ok(br#"{"response":404,"error":"no such user"}"#))
        .unwrap()
    {
        Event::Answer {
            ticket,
            request: Request::Msg,
            response,
        } => {
            assert_eq!(ticket, msg);
            assert_eq!(response.code, StatusCode::NOT_FOUND);
            assert_eq!(response.text().unwrap(), "no such user");
        }
        other => panic!("{other:?}"),
    }
    assert!(!client.awaits(msg));
    assert!(matches!(
        client.feed(Ok(br#"{"response":200}"#)).unwrap(),
        Event::Answer { ticket, request: Request::Probe, .. } if ticket == probe
    ));
    // With nothing pending, a response is a notice.
    assert!(matches!(
        client.feed(Ok(br#"{"response":200}"#)).unwrap(),
        Event::Notice(_)
    ));
}

#[test]
fn bad_frames_are_errors_of_that_frame_only() {
    let mut client = Client::new(presence());
    let mut out = [0u8; 256];
    client.hello(&mut out, Escaping::Ascii).unwrap();
    assert_eq!(
        client.feed(Err(FrameError::Garbage)),
        Err(ClientError::Frame(FrameError::Garbage))
    );
    assert!(matches!(
        client.feed(Ok(br#"{"action":"msg","to":"x"}"#)),
        Err(ClientError::Decode(_))
    ));
    assert_eq!(
        client.feed(Ok(br#"{"action":"get_users","account_name":"x"}"#)),
        Ok(Event::Ignored("get_users"))
    );
    assert_eq!(client.pending(), 1);
    assert!(matches!(
        client.feed(Ok(br#"{"response":200}"#)),
        Ok(Event::Answer { .. })
    ));
}

#[test]
fn too_many_pending_requests_send_nothing() {
    let mut client = Client::new(presence());
    let mut out = [0u8; 256];
    for _ in 0..MAX_PENDING {
        client.join("#a", &mut out, Escaping::Ascii).unwrap();
    }
    assert_eq!(
        client.join("#a", &mut out, Escaping::Ascii).map(|(t, _)| t),
        Err(ClientError::TooManyPending)
    );
    assert_eq!(
        client
            .probe_reply(&mut out, Escaping::Ascii)
            .map(|(t, _)| t),
        Err(ClientError::TooManyPending)
    );
    assert!(matches!(
        client.feed(Ok(br#"{"response":200}"#)),
        Ok(Event::Answer {
            ticket: Ticket(0),
            ..
        })
    ));
    let (ticket, _) = client.join("#a", &mut out, Escaping::Ascii).unwrap();
    assert_eq!(ticket, Ticket(MAX_PENDING as u32));
    client.reset();
    assert_eq!(client.pending(), 0);
    assert!(!client.awaits(ticket));
}

/// A transport that reads a script (in chunks of `chunk` bytes) and keeps
/// what is written.
struct Scripted {
    input: &'static [u8],
    chunk: usize,
    written: Vec<u8>,
}

impl Scripted {
    fn new(input: &'static [u8], chunk: usize) -> Self {
        Scripted {
            input,
            chunk,
            written: Vec::new(),
        }
    }
    fn read_into(&mut self, buf: &mut [u8]) -> usize {
        let n = buf.len().min(self.input.len()).min(self.chunk);
        buf[..n].copy_from_slice(&self.input[..n]);
        self.input = &self.input[n..];
        n
    }
}

impl embedded_io::ErrorType for Scripted {
    type Error = core::convert::Infallible;
}
impl embedded_io::Read for Scripted {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
        Ok(self.read_into(buf))
    }
}
impl embedded_io::Write for Scripted {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        self.written.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
}
impl embedded_io_async::Read for Scripted {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
        Ok(self.read_into(buf))
    }
}
impl embedded_io_async::Write for Scripted {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        self.written.extend_from_slice(buf);
        Ok(buf.len())
    }
    async fn flush(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
}

const SCRIPT: &[u8] = concat!(
    "{\"action\":\"probe\",\"time\":1}\n", // before the presence's answer
    "{\"response\":200,\"alert\":\"OK\"}\n", // the presence's
    "{\"action\":\"msg\",\"to\":\"#sensors\",\"from\":\"bob\",\"message\":\"early\"}",
    "{\"response\":200,\"alert\":\"probe\"}", // the first probe's presence's
    "{\"response\":200,\"alert\":\"join\"}",  // the join's
    "{\"action\":\"probe\",\"time\":2}",
    "{\"action\":\"msg\",\"to\":\"sensor-7\",\"from\":\"bob\",\"message\":\"ping\"}",
    "{\"response\":200}",                      // the second probe's presence's
    "{\"response\":200,\"alert\":\"pong\"}\n", // the pong's
)
.as_bytes();

fn expected_writes() -> Vec<u8> {
    let mut w = Vec::new();
    w.extend_from_slice(PRESENCE); // hello
    w.extend_from_slice(PRESENCE); // the first probe's answer
    w.extend_from_slice(b"{\"action\":\"join\",\"room\":\"#sensors\"}\n");
    w.extend_from_slice(PRESENCE); // the second probe's answer
    w.extend_from_slice(
        b"{\"action\":\"msg\",\"time\":7,\"to\":\"bob\",\"from\":\"sensor-7\",\"message\":\"pong\"}\n",
    );
    w
}

#[test]
fn blocking_session_over_one_byte_reads() {
    for chunk in [1, 7, 4096] {
        let mut session: io::Session<_> =
            io::Session::new(Scripted::new(SCRIPT, chunk), presence());
        assert_eq!(session.handshake().unwrap().code, StatusCode::OK);
        let join = session.join("#sensors").unwrap();
        let mut seen = Vec::new();
        let answer = session
            .wait_for(join, |e| seen.push(format!("{e:?}")))
            .unwrap();
        assert_eq!(answer.alert.unwrap(), "join");
        assert_eq!(seen.len(), 2, "{seen:?}");
        assert!(seen[0].contains("early"), "{seen:?}");
        assert!(
            seen[1].contains("Probe") && seen[1].contains("Answer"),
            "{seen:?}"
        );
        assert!(matches!(
            session.wait_for(join, |_| {}),
            Err(io::Error::NoAnswer)
        ));

        assert_eq!(session.next_event().unwrap(), Event::Probe);
        let Event::Message(ping) = session.next_event().unwrap() else {
            panic!()
        };
        assert_eq!(ping.message, "ping");
        let from = ping.from.unwrap().to_heapless::<25>().unwrap();
        let pong = session.send_to(&from, "pong").unwrap();
        assert_eq!(
            session.wait_for(pong, |_| {}).unwrap().alert.unwrap(),
            "pong"
        );
        assert!(matches!(session.next_event(), Err(io::Error::Disconnected)));
        assert_eq!(
            session.transport().written,
            expected_writes(),
            "chunk {chunk}"
        );
    }
}

#[test]
fn a_refused_handshake_is_rejected() {
    let mut session: io::Session<_> = io::Session::new(
        Scripted::new(br#"{"response":409,"error":"name taken"}"#, 3),
        presence(),
    );
    match session.handshake() {
        Err(io::Error::Rejected { code }) => assert_eq!(code.as_u16(), 409),
        other => panic!("{other:?}"),
    }
    let answer = session.last_response().expect("the answer is still held");
    assert_eq!(answer.text().unwrap(), "name taken");
    assert!(!session.client().is_ready());
}

fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

#[test]
fn async_session_is_the_same_client() {
    block_on(async {
        let mut session: jim_core::asynch::Session<_> =
            jim_core::asynch::Session::new(Scripted::new(SCRIPT, 5), presence());
        session.handshake().await.unwrap();
        let join = session.join("#sensors").await.unwrap();
        let mut early = 0;
        session
            .wait_for(join, |e| {
                if matches!(e, Event::Message(m) if m.message == "early") {
                    early += 1
                }
            })
            .await
            .unwrap();
        assert_eq!(early, 1);
        assert_eq!(session.next_event().await.unwrap(), Event::Probe);
        let Event::Message(ping) = session.next_event().await.unwrap() else {
            panic!()
        };
        let from = ping.from.unwrap().to_heapless::<25>().unwrap();
        let pong = session.send_to(&from, "pong").await.unwrap();
        let answer = session.wait_for(pong, |_| {}).await.unwrap();
        assert_eq!(answer.alert.unwrap(), "pong");
        assert_eq!(session.transport().written, expected_writes());
    });
}
