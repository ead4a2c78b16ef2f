//! The first pass of `mintage run` on several threads: the main thread reads the table in
//! chunks (about a megabyte of JSONL lines, or a few thousand CSV records), worker threads
//! parse and value each chunk with a valuer of their own, and the main thread takes the
//! rows in table order. Which user a row names first, the messages about bad rows and
//! every total are therefore the same with any number of threads.

use mintage::runtime::batch::{RowValuer, ValuedRow, user_event, user_row_event};
use mintage::runtime::eval::NoFacts;
use mintage::runtime::event::EventError;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::sync::{Arc, Mutex, mpsc};

/// One row of the table as the first pass saw it: its line, the byte offset where it
/// starts, and either its ids and value or why it cannot be read.
pub(super) struct Row {
    pub n: u64,
    pub offset: u64,
    pub row: Result<Valued, EventError>,
}

pub(super) struct Valued {
    pub event_id: Arc<str>,
    pub user_id: Arc<str>,
    pub value: ValuedRow,
}

/// Bytes of JSONL per chunk (more when one line is longer).
const CHUNK_BYTES: usize = 1 << 20;
/// CSV records per chunk.
const CHUNK_RECORDS: usize = 4096;

/// A piece of the table for a worker.
enum Chunk {
    Jsonl {
        first_line: u64,
        offset: u64,
        bytes: Vec<u8>,
    },
    Csv(Vec<(u64, u64, Result<csv::StringRecord, EventError>)>),
}

/// Reads the table a chunk at a time.
enum Source {
    Jsonl {
        file: std::fs::File,
        carry: Vec<u8>,
        /// Buffers of chunks already valued, to be filled again: fresh ones would each
        /// cost the kernel a megabyte of zeroed pages.
        spare: Vec<Vec<u8>>,
        line: u64,
        offset: u64,
        eof: bool,
    },
    Csv(Box<csv::Reader<std::io::BufReader<std::fs::File>>>),
}

impl Source {
    fn open(path: &Path, csv: bool) -> Result<(Source, Option<csv::StringRecord>), String> {
        let file = std::fs::File::open(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
        if !csv {
            let source = Source::Jsonl {
                file,
                carry: Vec::new(),
                spare: Vec::new(),
                line: 1,
                offset: 0,
                eof: false,
            };
            return Ok((source, None));
        }
        let reader = std::io::BufReader::with_capacity(1 << 16, file);
        let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(reader);
        let headers = reader
            .headers()
            .map_err(|e| format!("`{}`: bad CSV header: {e}", path.display()))?
            .clone();
        Ok((Source::Csv(Box::new(reader)), Some(headers)))
    }

    /// The next chunk, or `None` at the end of the table.
    fn next(&mut self, path: &Path) -> Result<Option<Chunk>, String> {
        match self {
            Source::Jsonl {
                file,
                carry,
                spare,
                line,
                offset,
                eof,
            } => {
                let mut bytes = spare.pop().unwrap_or_default();
                bytes.clear();
                bytes.extend_from_slice(carry);
                carry.clear();
                let mut want = CHUNK_BYTES;
                loop {
                    while bytes.len() < want && !*eof {
                        let start = bytes.len();
                        bytes.resize(start + (want - start).max(1 << 16), 0);
                        let read = loop {
                            match file.read(bytes.get_mut(start..).unwrap_or_default()) {
                                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                                other => break other,
                            }
                        };
                        let read = read.map_err(|e| format!("`{}` line {line}: {e}", path.display()))?;
                        bytes.truncate(start + read);
                        *eof = read == 0;
                    }
                    if bytes.is_empty() {
                        return Ok(None);
                    }
                    let cut = match memchr::memrchr(b'\n', &bytes) {
                        Some(i) => i + 1,
                        None if *eof => bytes.len(),
                        // One line longer than a chunk: read on until it ends.
                        None => {
                            want = bytes.len() * 2;
                            continue;
                        }
                    };
                    carry.extend_from_slice(bytes.get(cut..).unwrap_or_default());
                    bytes.truncate(cut);
                    let chunk = Chunk::Jsonl {
                        first_line: *line,
                        offset: *offset,
                        bytes,
                    };
                    if let Chunk::Jsonl { bytes, .. } = &chunk {
                        *line += memchr::memchr_iter(b'\n', bytes).count() as u64;
                        *offset += bytes.len() as u64;
                    }
                    return Ok(Some(chunk));
                }
            }
            Source::Csv(reader) => {
                let mut rows = Vec::with_capacity(CHUNK_RECORDS);
                let mut record = csv::StringRecord::new();
                while rows.len() < CHUNK_RECORDS {
                    match reader.read_record(&mut record) {
                        Ok(false) => break,
                        Ok(true) => {
                            let (n, at) = record.position().map_or((0, 0), |p| (p.line(), p.byte()));
                            rows.push((n, at, Ok(std::mem::take(&mut record))));
                        }
                        Err(e) => {
                            let (n, at) = e.position().map_or((0, 0), |p| (p.line(), p.byte()));
                            let why = match e.kind() {
                                csv::ErrorKind::Utf8 { err, .. } => EventError(format!(
                                    "the row is not UTF-8 (field {}); save the file as UTF-8",
                                    err.field() + 1
                                )),
                                // The reader cannot go on after an I/O error.
                                csv::ErrorKind::Io(e) => return Err(format!("`{}` line {n}: {e}", path.display())),
                                _ => EventError(format!("bad CSV row: {e}")),
                            };
                            rows.push((n, at, Err(why)));
                        }
                    }
                }
                Ok((!rows.is_empty()).then_some(Chunk::Csv(rows)))
            }
        }
    }

    /// Takes back the buffer of a chunk that has been valued.
    fn give_back(&mut self, bytes: Vec<u8>) {
        if let Source::Jsonl { spare, .. } = self
            && bytes.capacity() > 0
        {
            spare.push(bytes);
        }
    }
}

/// Parses and values the rows of a chunk.
fn work(
    chunk: Chunk,
    valuer: &mut RowValuer<'_>,
    headers: Option<&csv::StringRecord>,
    now: i64,
) -> (Vec<Row>, Vec<u8>) {
    let mut out = Vec::new();
    let mut buffer = Vec::new();
    let mut value = |n: u64, offset: u64, event: Result<mintage::runtime::event::Event, EventError>| {
        let row = event.map(|e| Valued {
            event_id: e.id.clone(),
            user_id: e.user.as_ref().map_or_else(|| Arc::from(""), |u| u.id.clone()),
            value: valuer.value_row(&e, &NoFacts),
        });
        out.push(Row { n, offset, row });
    };
    match chunk {
        Chunk::Jsonl {
            first_line,
            offset,
            bytes,
        } => {
            let (mut n, mut at) = (first_line, offset);
            let mut rest = bytes.as_slice();
            while !rest.is_empty() {
                let end = memchr::memchr(b'\n', rest).map_or(rest.len(), |i| i + 1);
                let (line, after) = rest.split_at(end);
                rest = after;
                let start = at;
                at += line.len() as u64;
                let event = match crate::cli::lines::text(line, start == 0) {
                    Ok(text) if text.trim().is_empty() => {
                        n += 1;
                        continue;
                    }
                    Ok(text) => user_event(text, n, now),
                    Err(e) => Err(EventError(e)),
                };
                value(n, start, event);
                n += 1;
            }
            buffer = bytes;
        }
        Chunk::Csv(rows) => {
            for (n, at, record) in rows {
                let event = record.and_then(|r| match headers {
                    Some(h) => super::run::csv_user(h, &r).and_then(|u| user_row_event(u, n, now)),
                    None => Err(EventError("the CSV table has no header".into())),
                });
                value(n, at, event);
            }
        }
    }
    (out, buffer)
}

/// Reads the table at `path` (CSV when `csv`), valuing its rows on `threads` threads
/// with forks of `valuer`, and hands every row to `take` in table order.
pub(super) fn each_row(
    path: &Path,
    csv: bool,
    now: i64,
    valuer: &RowValuer<'_>,
    threads: usize,
    mut take: impl FnMut(Row),
) -> Result<(), String> {
    let (mut source, headers) = Source::open(path, csv)?;
    let headers = headers.as_ref();
    if threads <= 1 {
        let mut valuer = valuer.fork();
        while let Some(chunk) = source.next(path)? {
            let (rows, buffer) = work(chunk, &mut valuer, headers, now);
            rows.into_iter().for_each(&mut take);
            source.give_back(buffer);
        }
        return Ok(());
    }
    let (jobs, job_rx) = mpsc::sync_channel::<(u64, Chunk)>(threads);
    let job_rx = Mutex::new(job_rx);
    std::thread::scope(|scope| {
        // Dropped when the scope's closure returns, which ends the workers' loops.
        let jobs = jobs;
        let (done_tx, done) = mpsc::channel::<(u64, Option<(Vec<Row>, Vec<u8>)>)>();
        for _ in 0..threads {
            let mut valuer = valuer.fork();
            let (job_rx, done_tx) = (&job_rx, done_tx.clone());
            scope.spawn(move || {
                loop {
                    let job = match job_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    let Ok((seq, chunk)) = job else { return };
                    // A worker that failed says so, so the main thread never waits for it.
                    let rows = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        work(chunk, &mut valuer, headers, now)
                    }))
                    .ok();
                    let failed = rows.is_none();
                    if done_tx.send((seq, rows)).is_err() || failed {
                        return;
                    }
                }
            });
        }
        drop(done_tx);
        let (mut sent, mut next, mut eof) = (0u64, 0u64, false);
        let mut pending = BTreeMap::new();
        loop {
            while !eof && sent - next < 2 * threads as u64 {
                match source.next(path)? {
                    Some(chunk) => {
                        jobs.send((sent, chunk))
                            .map_err(|_| "internal error: the worker threads stopped".to_string())?;
                        sent += 1;
                    }
                    None => eof = true,
                }
            }
            if next == sent {
                return Ok(());
            }
            let (seq, rows) = done
                .recv()
                .map_err(|_| "internal error: the worker threads stopped".to_string())?;
            let (rows, buffer) = rows.ok_or("internal error: a worker thread failed")?;
            source.give_back(buffer);
            pending.insert(seq, rows);
            while let Some(rows) = pending.remove(&next) {
                rows.into_iter().for_each(&mut take);
                next += 1;
            }
        }
    })
}

/// About how many rows the table at `path` has, from the length of its first lines: for
/// reserving memory once instead of growing it.
pub(super) fn rows_hint(path: &Path) -> usize {
    let Ok(mut file) = std::fs::File::open(path) else {
        return 0;
    };
    let len = file.metadata().map_or(0, |m| m.len());
    let mut head = vec![0; 1 << 16];
    let read = file.read(&mut head).unwrap_or(0);
    let lines = memchr::memchr_iter(b'\n', head.get(..read).unwrap_or_default()).count();
    if lines == 0 {
        return 0;
    }
    usize::try_from(len / (read / lines).max(1) as u64).unwrap_or(0)
}
