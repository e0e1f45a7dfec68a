//! The handshake-only firmware (feature `handshake-only`): connect, send a
//! presence, print the answer, exit. The smallest jim-core client, kept so
//! that `size-report.sh` can measure the handshake path on its own.

use embassy_net::tcp::TcpSocket;
use embassy_net::Stack;
use jim_firmware::args::Args;
use jim_firmware::hprintln;

#[cfg(not(feature = "no-jim"))]
use crate::JIM_BUFFER;
use crate::{endpoint, SOCKET_BUFFER};

/// The whole run, from link-up to answer, must fit in this.
pub const DEADLINE: embassy_time::Duration = embassy_time::Duration::from_secs(20);

/// Connects and exchanges presence and answer; `true` on a 2xx.
pub async fn run(stack: Stack<'static>, args: &Args<'_>) -> bool {
    stack.wait_link_up().await;
    stack.wait_config_up().await;

    let mut rx = [0u8; SOCKET_BUFFER];
    let mut tx = [0u8; SOCKET_BUFFER];
    let mut socket = TcpSocket::new(stack, &mut rx, &mut tx);
    socket.set_timeout(Some(DEADLINE));
    if let Err(e) = socket.connect(endpoint(args.server)).await {
        hprintln!("jim: cannot connect to {}: {:?}", args.server, e);
        return false;
    }
    hprintln!("jim: connected to {}", args.server);
    exchange(socket, args).await
}

/// The handshake through jim-core.
#[cfg(not(feature = "no-jim"))]
async fn exchange(socket: TcpSocket<'_>, args: &Args<'_>) -> bool {
    use jim_core::asynch::Connection;
    use jim_core::Presence;

    let mut conn = Connection::<_, JIM_BUFFER>::new(socket);
    let presence = Presence::new(args.account)
        .with_status("Online")
        .at(args.time);
    let ok = report(conn.handshake(&presence).await);
    #[cfg(not(feature = "terse"))]
    if !ok {
        jim_firmware::report_refusal(conn.last_response());
    }
    ok
}

/// Prints the outcome with jim-core's texts (shared with the blocking
/// binary); `true` on a 2xx.
#[cfg(not(any(feature = "no-jim", feature = "terse")))]
use jim_firmware::report_handshake as report;

/// `terse`: numbers only (see `terse_report`).
#[cfg(all(not(feature = "no-jim"), feature = "terse"))]
use crate::terse_report as report;

/// The same exchange without jim-core: fixed bytes out, raw bytes in, a
/// byte search for the code. Only for measuring what jim-core costs.
#[cfg(feature = "no-jim")]
async fn exchange(mut socket: TcpSocket<'_>, args: &Args<'_>) -> bool {
    use embedded_io_async::Write;

    let parts: [&[u8]; 3] = [
        br#"{"action":"presence","time":0,"type":"status","user":{"account_name":""#,
        args.account.as_bytes(),
        b"\",\"status\":\"Online\"}}\n",
    ];
    for part in parts {
        if let Err(e) = socket.write_all(part).await {
            hprintln!("jim: write failed: {:?}", e);
            return false;
        }
    }
    if let Err(e) = socket.flush().await {
        hprintln!("jim: flush failed: {:?}", e);
        return false;
    }
    let mut answer = [0u8; 64];
    match socket.read(&mut answer).await {
        Ok(n) => {
            let answer = &answer[..n];
            let ok = answer.windows(15).any(|w| w == br#"{"response":200"#);
            hprintln!(
                "jim: {}",
                if ok {
                    "200 OK (raw)"
                } else {
                    "unexpected answer (raw)"
                }
            );
            ok
        }
        Err(e) => {
            hprintln!("jim: read failed: {:?}", e);
            false
        }
    }
}
