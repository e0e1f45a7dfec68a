#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![doc = "jim-core"]

pub mod asynch;
pub mod client;
pub mod code;
pub mod decode;
pub mod encode;
pub mod error;
pub mod framer;
pub mod io;
pub mod limits;
pub mod message;
#[cfg(feature = "embedded-nal")]
pub mod nal;
mod scan;
pub mod server;
pub mod text;
pub mod timestamp;

pub use code::StatusCode;
pub use decode::decode;
pub use encode::{Encode, Escaping, JsonWriter};
pub use error::{DecodeError, EncodeError, Field, FrameError, TextError};
pub use framer::Framer;
pub use message::*;
pub use text::Text;
pub use timestamp::Timestamp;
