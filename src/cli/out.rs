//! Printing that survives a closed pipe. `mintage explain E002 | head -1` closes standard
//! output after one line; `println!` would then panic. A command's output goes through
//! `outln!`/`out!` (stdout) and `errln!` (stderr) instead: once the reader has gone, further
//! output is dropped quietly and the command finishes with its own exit code; another
//! write error on stdout (a full disk) is reported once and makes the exit code 2.

use std::fmt;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);
static STDOUT_FAILED: AtomicBool = AtomicBool::new(false);

/// Whether a write error means that the reader closed the pipe.
pub fn is_closed_pipe(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::BrokenPipe
}

/// What a write error on standard output makes of a streaming command: `Ok(())` if
/// the reader went away (stop quietly), else the error reported, `Err(2)`.
pub fn stream_error(e: &io::Error) -> Result<(), u8> {
    if is_closed_pipe(e) {
        STDOUT_CLOSED.store(true, Ordering::Relaxed);
        return Ok(());
    }
    note_failure(e);
    Err(2)
}

fn note_failure(e: &io::Error) {
    if !STDOUT_FAILED.swap(true, Ordering::Relaxed) {
        write_err(format_args!("error: cannot write to standard output: {e}\n"));
    }
}

#[doc(hidden)]
pub fn write_out(args: fmt::Arguments<'_>) {
    if STDOUT_CLOSED.load(Ordering::Relaxed) || STDOUT_FAILED.load(Ordering::Relaxed) {
        return;
    }
    let mut stdout = io::stdout().lock();
    if let Err(e) = stdout.write_fmt(args).and_then(|()| stdout.flush()) {
        if is_closed_pipe(&e) {
            STDOUT_CLOSED.store(true, Ordering::Relaxed);
        } else {
            note_failure(&e);
        }
    }
}

#[doc(hidden)]
pub fn write_err(args: fmt::Arguments<'_>) {
    // Nothing is left to tell the user with if stderr itself fails.
    let _ = io::stderr().lock().write_fmt(args);
}

/// The exit code after the command ran: a failed write to stdout turns success into 2.
pub fn exit_code(code: u8) -> u8 {
    if code == 0 && STDOUT_FAILED.load(Ordering::Relaxed) {
        2
    } else {
        code
    }
}

macro_rules! outln {
    () => { $crate::cli::out::write_out(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::cli::out::write_out(format_args!("{}\n", format_args!($($arg)*))) };
}

macro_rules! out {
    ($($arg:tt)*) => { $crate::cli::out::write_out(format_args!($($arg)*)) };
}

macro_rules! errln {
    () => { $crate::cli::out::write_err(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::cli::out::write_err(format_args!("{}\n", format_args!($($arg)*))) };
}

pub(crate) use {errln, out, outln};
