//! Support code shared by the JIM firmware binaries (`src/main.rs`, the
//! embassy-net client, and `src/bin/blocking.rs`, the smoltcp one):
//!
//! - [`lan9118`]: the Ethernet controller driver (embassy-net and smoltcp);
//! - [`clock`]: time from the controller's 25 MHz counter, and the
//!   embassy-time driver;
//! - [`args`]: the command line, from the host over semihosting;
//! - [`report_handshake`] and [`report_refusal`]: the handshake's outcome,
//!   printed;
//! - [`exit`] and the panic handler: every way out ends QEMU with a status,
//!   so a failure is never a hang.
//!
//! `unsafe` is denied crate-wide and allowed, with a `SAFETY` comment, only
//! in the MMIO accessor (`lan9118::regs::Regs`), the semihosting
//! command-line call and the time driver's linker hooks.

#![no_std]
#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod args;
pub mod clock;
pub mod lan9118;

pub use cortex_m_semihosting::hprintln;

/// Ends the program: QEMU exits with status 0 if `success`, else 1
/// (semihosting `SYS_EXIT` with `ApplicationExit` / `RunTimeErrorUnknown`).
pub fn exit(success: bool) -> ! {
    use cortex_m_semihosting::debug;
    debug::exit(if success {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    // Only reached without a semihosting host that honours SYS_EXIT.
    loop {
        cortex_m::asm::wfi();
    }
}

/// Takes the Ethernet controller, initialised, and starts the clock on its
/// counter (which the controller's reset restarts, so only after it); on
/// failure prints why and ends QEMU with a failure.
pub fn take_nic() -> lan9118::Lan9118 {
    match lan9118::Lan9118::take() {
        Ok(nic) => {
            clock::start(nic.free_run());
            nic
        }
        Err(e) => {
            hprintln!("jim: {}", e);
            exit(false)
        }
    }
}

/// Prints the outcome of a handshake with jim-core's texts (`200 OK`, the
/// server's alert or error, what went wrong) and returns `true` on a 2xx.
pub fn report_handshake<E: core::fmt::Debug>(
    result: Result<jim_core::Response<'_>, jim_core::io::Error<E>>,
) -> bool {
    use jim_core::io::Error;
    match result {
        Ok(response) => {
            hprintln!("jim: {}", response.code);
            if let Some(alert) = response.alert {
                hprintln!("jim: alert: {}", alert);
            }
            true
        }
        Err(Error::Rejected { code }) => {
            hprintln!("jim: rejected: {}", code);
            false
        }
        Err(e) => {
            hprintln!("jim: handshake failed: {}", e);
            false
        }
    }
}

/// After a failed handshake, prints what the server said with its
/// refusal: the answer the connection still holds
/// (`last_response()`), if it has a text.
pub fn report_refusal(answer: Option<jim_core::Response<'_>>) {
    if let Some(text) = answer.and_then(|answer| answer.text()) {
        hprintln!("jim: the server said: {}", text);
    }
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    hprintln!("jim: panic: {}", info);
    exit(false)
}

/// Defines the `HardFault` and default interrupt handlers so that a fault
/// ends QEMU with a failure instead of spinning forever (cortex-m-rt's
/// defaults loop). Invoke once in each binary: exception handlers must be
/// defined in the binary crate to be linked reliably.
#[macro_export]
macro_rules! fault_handlers {
    () => {
        #[cortex_m_rt::exception]
        #[allow(unsafe_code)]
        // SAFETY: cortex-m-rt requires the handler to be declared `unsafe`;
        // this one only reports and exits.
        unsafe fn HardFault(frame: &cortex_m_rt::ExceptionFrame) -> ! {
            $crate::hprintln!("jim: hard fault at pc {:#010x}", frame.pc());
            $crate::exit(false)
        }

        #[cortex_m_rt::exception]
        #[allow(unsafe_code)]
        // SAFETY: as above; cortex-m-rt requires `unsafe fn`.
        unsafe fn DefaultHandler(irqn: i16) {
            $crate::hprintln!("jim: unexpected exception or interrupt {}", irqn);
            $crate::exit(false)
        }
    };
}
