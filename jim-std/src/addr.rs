//! Turning what a person types (`127.0.0.1`, `::1`, `[::1]:7777`,
//! `chat.example`) into socket addresses, the same way for the server and
//! the client programs.

use std::io;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};

/// JIM's customary port.
pub const DEFAULT_PORT: u16 = 7777;

/// The socket addresses for `host` and `port` ([`DEFAULT_PORT`] if `None`).
///
/// `host` may be an IP address (IPv6 with or without brackets), `IP:PORT`
/// (a separate `port` wins over the one in it), or a host name, which is
/// checked for RFC 1123 syntax before the resolver is asked, so a typo gets
/// a clear error and sends no DNS query.
///
/// ```
/// use jim_std::addr::resolve;
///
/// assert_eq!(resolve("127.0.0.1", None).unwrap()[0].to_string(), "127.0.0.1:7777");
/// assert_eq!(resolve("[::1]", Some(80)).unwrap()[0].to_string(), "[::1]:80");
/// assert_eq!(resolve("10.0.0.1:9", Some(1)).unwrap()[0].port(), 1);
/// assert!(resolve("not an ip!!", None).is_err());
/// ```
pub fn resolve(host: &str, port: Option<u16>) -> io::Result<Vec<SocketAddr>> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port.unwrap_or(DEFAULT_PORT))]);
    }
    if let Ok(mut full) = host.parse::<SocketAddr>() {
        if let Some(port) = port {
            full.set_port(port);
        }
        return Ok(vec![full]);
    }
    if !is_host_name(bare) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not an IP address or host name",
        ));
    }
    let addrs: Vec<SocketAddr> = (bare, port.unwrap_or(DEFAULT_PORT))
        .to_socket_addrs()?
        .collect();
    if addrs.is_empty() {
        return Err(io::Error::other("resolves to no address"));
    }
    Ok(addrs)
}

/// Host name syntax (RFC 1123).
fn is_host_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.trim_end_matches('.').split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}
