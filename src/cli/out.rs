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

/// Values handed to a [`json_lines_on_thread`] writer at a time.
const LINES_BATCH: usize = 1024;

/// Runs `produce`, writing each value it hands to its sink as one JSON line on standard
/// output from a thread of its own, so that serializing runs beside producing. The sink
/// answers `false` once writing has failed (then `produce` should stop). Returns what
/// `produce` returned and how writing ended.
pub fn json_lines_on_thread<T: serde::Serialize + Send, R>(
    produce: impl FnOnce(&mut dyn FnMut(T) -> bool) -> R,
) -> (R, io::Result<()>) {
    let (batches, received) = std::sync::mpsc::sync_channel::<Vec<T>>(4);
    std::thread::scope(|scope| {
        let writer = scope.spawn(move || -> io::Result<()> {
            let stdout = io::stdout();
            let mut out = io::BufWriter::with_capacity(1 << 16, stdout.lock());
            for batch in received {
                for value in &batch {
                    crate::cli::replay::json_line(&mut out, value)?;
                }
            }
            out.flush()
        });
        let mut batch = Vec::with_capacity(LINES_BATCH);
        let mut open = true;
        let result = produce(&mut |value| {
            batch.push(value);
            if batch.len() == LINES_BATCH {
                let full = std::mem::replace(&mut batch, Vec::with_capacity(LINES_BATCH));
                open = batches.send(full).is_ok();
            }
            open
        });
        if open && !batch.is_empty() {
            let _ = batches.send(batch);
        }
        drop(batches);
        let written = writer
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the writing thread failed")));
        (result, written)
    })
}
