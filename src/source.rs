//! Rule files and places in them: every AST node and diagnostic carries a `Span`, and a
//! `Sources` table holds the files' text and turns a span back into a file name, line and
//! column. It imports nothing of the crate: syntax and diagnostics both build on it.

use std::sync::Arc;

/// Index of a file in [`Sources`].
pub type FileId = u32;

/// A byte range in one source file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Self {
        // INVARIANT: offsets are into one source text, and `check::load_paths` and
        // `mintage::load_str` refuse texts over `u32::MAX` bytes (`LoadError::TooLarge`):
        // these conversions do not saturate for them. (A longer text added directly with
        // `Sources::add` would only have its places clamped; spans are not ids.)
        Span {
            file,
            start: u32::try_from(start).unwrap_or(u32::MAX),
            end: u32::try_from(end).unwrap_or(u32::MAX),
        }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    pub fn len(self) -> usize {
        (self.end.saturating_sub(self.start)) as usize
    }

    pub fn is_empty(self) -> bool {
        self.end <= self.start
    }
}

/// A rule file's text with its name.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub name: String,
    pub text: Arc<str>,
    /// Where the file stopped being UTF-8 (byte offset in `text`, which holds the file
    /// decoded with replacement characters) and the byte found there: such a file is
    /// reported, never parsed.
    pub not_utf8: Option<(usize, u8)>,
}

/// All files of one program; spans point into them.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
    /// Byte offsets of each file's line starts, made on first use.
    lines: Vec<std::sync::OnceLock<Arc<Vec<usize>>>>,
}

impl Sources {
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<Arc<str>>) -> FileId {
        self.push(SourceFile {
            name: name.into(),
            text: text.into(),
            not_utf8: None,
        })
    }

    /// Adds a file as read from disk: a UTF-8 byte-order mark is dropped; bytes that are
    /// not UTF-8 are kept as replacement characters and the file is marked (the text up
    /// to the first bad byte is intact, so that its line and column can be shown).
    pub fn add_bytes(&mut self, name: impl Into<String>, bytes: &[u8]) -> FileId {
        let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
        let (text, not_utf8) = match std::str::from_utf8(bytes) {
            Ok(t) => (t.to_string(), None),
            Err(e) => {
                let at = e.valid_up_to();
                let byte = bytes.get(at).copied().unwrap_or(0);
                (String::from_utf8_lossy(bytes).into_owned(), Some((at, byte)))
            }
        };
        self.push(SourceFile {
            name: name.into(),
            text: text.into(),
            not_utf8,
        })
    }

    fn push(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        self.lines.push(std::sync::OnceLock::new());
        FileId::try_from(self.files.len() - 1).unwrap_or(FileId::MAX)
    }

    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id as usize)
    }

    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId::try_from(i).unwrap_or(FileId::MAX), f))
    }

    /// Where each line of a file starts (line 1 at offset 0).
    pub fn line_starts(&self, id: FileId) -> Arc<Vec<usize>> {
        let Some(cell) = self.lines.get(id as usize) else {
            return Arc::new(vec![0]);
        };
        cell.get_or_init(|| {
            let text = self.get(id).map_or("", |f| &*f.text);
            let mut starts = vec![0];
            starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
            Arc::new(starts)
        })
        .clone()
    }

    /// The source text a span covers ("" if it is out of range).
    pub fn snippet(&self, span: Span) -> &str {
        self.get(span.file)
            .and_then(|f| f.text.get(span.start as usize..span.end as usize))
            .unwrap_or("")
    }

    /// 1-based line and column (in characters) of a span's start.
    pub fn line_col(&self, span: Span) -> (usize, usize) {
        let Some(file) = self.get(span.file) else {
            return (0, 0);
        };
        let starts = self.line_starts(span.file);
        let offset = (span.start as usize).min(file.text.len());
        let line = starts.partition_point(|s| *s <= offset).max(1);
        let line_start = starts.get(line - 1).copied().unwrap_or(0);
        let col = file.text.get(line_start..offset).map_or(0, |s| s.chars().count()) + 1;
        (line, col)
    }

    pub fn name(&self, id: FileId) -> &str {
        self.get(id).map_or("<unknown>", |f| f.name.as_str())
    }
}
