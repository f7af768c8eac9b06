//! Counting the pages of a raster stream as it goes by: PWG Raster (PWG 5102.4, sync word `RaS2`, what CUPS
//! sends IPP Everywhere printers) and Apple Raster (URF, what iPhones and Macs send). Both are a file header,
//! then per page a header giving the page's height in lines and the bytes of one line, then lines compressed the
//! same way: a line repeat byte, then runs of pixels (a control byte `n`: up to 127 repeats one pixel `n + 1`
//! times, above 128 gives `257 − n` literal pixels; in URF 128 fills the rest of the line with white). Counting
//! walks the runs without decompressing anything: no bitmap is ever held, whatever the page size.

/// The raster flavours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavour {
    Pwg,
    Urf,
}

impl Flavour {
    fn file_header(self) -> usize {
        match self {
            Flavour::Pwg => 4,
            Flavour::Urf => 12,
        }
    }

    fn page_header(self) -> usize {
        match self {
            Flavour::Pwg => 1796,
            Flavour::Urf => 32,
        }
    }
}

/// Pages larger than this many lines, or lines longer than this many bytes, are not a real page: the stream is
/// taken as malformed rather than walked for ever.
const MAX_LINES: u64 = 1 << 20;
const MAX_LINE_BYTES: u64 = 1 << 24;

#[derive(Debug)]
enum State {
    FileHeader,
    PageHeader,
    LineRepeat,
    Control,
    /// Bytes to pass over (a run's pixel data), then back to `Control`.
    Skip(u64),
}

/// The counter: feed it the stream's bytes in any chunks, then ask [`RasterPages::finish`].
#[derive(Debug)]
pub(crate) struct RasterPages {
    flavour: Flavour,
    state: State,
    header: Vec<u8>,
    pages: i64,
    malformed: bool,
    /// Of the current page: lines in all, bytes per line, bytes per pixel unit.
    height: u64,
    line_bytes: u64,
    pixel_bytes: u64,
    lines_done: u64,
    repeat: u64,
    line_done: u64,
}

impl RasterPages {
    pub(crate) fn new(flavour: Flavour) -> Self {
        Self {
            flavour,
            state: State::FileHeader,
            header: Vec::with_capacity(flavour.page_header()),
            pages: 0,
            malformed: false,
            height: 0,
            line_bytes: 0,
            pixel_bytes: 1,
            lines_done: 0,
            repeat: 0,
            line_done: 0,
        }
    }

    pub(crate) fn feed(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() && !self.malformed {
            match self.state {
                State::FileHeader | State::PageHeader => {
                    let want = match self.state {
                        State::FileHeader => self.flavour.file_header(),
                        _ => self.flavour.page_header(),
                    };
                    let take = (want - self.header.len()).min(bytes.len());
                    self.header.extend_from_slice(&bytes[..take]);
                    bytes = &bytes[take..];
                    if self.header.len() == want {
                        self.header_done();
                    }
                }
                State::LineRepeat => {
                    self.repeat = u64::from(bytes[0]) + 1;
                    self.line_done = 0;
                    bytes = &bytes[1..];
                    self.state = State::Control;
                }
                State::Control => {
                    let n = u64::from(bytes[0]);
                    bytes = &bytes[1..];
                    let left = self.line_bytes - self.line_done;
                    let (pixels_bytes, data) = match n {
                        0..=127 => ((n + 1) * self.pixel_bytes, self.pixel_bytes),
                        128 if self.flavour == Flavour::Urf => (left, 0),
                        _ => ((257 - n) * self.pixel_bytes, (257 - n) * self.pixel_bytes),
                    };
                    if pixels_bytes > left {
                        self.malformed = true;
                        return;
                    }
                    self.line_done += pixels_bytes;
                    self.state = State::Skip(data);
                    if data == 0 {
                        self.run_done();
                    }
                }
                State::Skip(n) => {
                    let take = n.min(bytes.len() as u64);
                    bytes = &bytes[take as usize..];
                    if take == n {
                        self.run_done();
                    } else {
                        self.state = State::Skip(n - take);
                    }
                }
            }
        }
    }

    /// The page count: `None` if the stream was malformed or ended inside a page or a header.
    pub(crate) fn finish(self) -> Option<i64> {
        let at_boundary = matches!(self.state, State::PageHeader) && self.header.is_empty();
        (!self.malformed && at_boundary).then_some(self.pages)
    }

    fn header_done(&mut self) {
        let h = std::mem::take(&mut self.header);
        match (&self.state, self.flavour) {
            (State::FileHeader, Flavour::Pwg) => self.malformed = h != b"RaS2",
            (State::FileHeader, Flavour::Urf) => self.malformed = &h[..8] != b"UNIRAST\0",
            (_, flavour) => {
                let (bits, width_or_bytes, height) = match flavour {
                    Flavour::Pwg => (be(&h, 388), be(&h, 392), be(&h, 376)),
                    Flavour::Urf => (u64::from(h[0]), be(&h, 12), be(&h, 16)),
                };
                let pixel_bytes = bits.div_ceil(8);
                let line_bytes = match flavour {
                    Flavour::Pwg => width_or_bytes,
                    Flavour::Urf => width_or_bytes * pixel_bytes,
                };
                if !(1..=64).contains(&bits)
                    || line_bytes == 0
                    || line_bytes > MAX_LINE_BYTES
                    || height == 0
                    || height > MAX_LINES
                    || line_bytes % pixel_bytes != 0
                {
                    self.malformed = true;
                    return;
                }
                self.pixel_bytes = pixel_bytes;
                self.line_bytes = line_bytes;
                self.height = height;
                self.lines_done = 0;
                self.state = State::LineRepeat;
                return;
            }
        }
        self.state = State::PageHeader;
    }

    fn run_done(&mut self) {
        if self.line_done < self.line_bytes {
            self.state = State::Control;
            return;
        }
        self.lines_done += self.repeat;
        if self.lines_done > self.height {
            self.malformed = true;
        } else if self.lines_done == self.height {
            self.pages += 1;
            self.state = State::PageHeader;
        } else {
            self.state = State::LineRepeat;
        }
    }
}

fn be(h: &[u8], at: usize) -> u64 {
    h.get(at..at + 4)
        .map(|b| u64::from(u32::from_be_bytes([b[0], b[1], b[2], b[3]])))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A PWG page of `height` lines of `line_bytes` bytes at 8 bits per pixel, each line one run per 100 bytes.
    fn pwg_page(height: u32, line_bytes: u32) -> Vec<u8> {
        let mut h = vec![0u8; 1796];
        h[376..380].copy_from_slice(&height.to_be_bytes());
        h[388..392].copy_from_slice(&8u32.to_be_bytes());
        h[392..396].copy_from_slice(&line_bytes.to_be_bytes());
        let mut left = height;
        while left > 0 {
            let group = left.min(256);
            h.push((group - 1) as u8);
            let mut done = 0;
            while done < line_bytes {
                let n = (line_bytes - done).min(100);
                if done == 0 {
                    // Literal pixels.
                    h.push((257 - n) as u8);
                    h.extend(std::iter::repeat_n(0xAB, n as usize));
                } else {
                    h.push((n - 1) as u8);
                    h.push(0xFF);
                }
                done += n;
            }
            left -= group;
        }
        h
    }

    fn count(flavour: Flavour, bytes: &[u8], chunk: usize) -> Option<i64> {
        let mut c = RasterPages::new(flavour);
        for piece in bytes.chunks(chunk.max(1)) {
            c.feed(piece);
        }
        c.finish()
    }

    #[test]
    fn pwg_pages_are_counted_in_any_chunking() {
        let mut doc = b"RaS2".to_vec();
        for height in [1, 300, 1000] {
            doc.extend(pwg_page(height, 250));
        }
        for chunk in [1, 7, 1796, 4096, 1 << 20] {
            assert_eq!(count(Flavour::Pwg, &doc, chunk), Some(3), "chunk {chunk}");
        }
        assert_eq!(count(Flavour::Pwg, b"RaS2", 10), Some(0));
    }

    #[test]
    fn truncated_or_foreign_streams_have_no_count() {
        let mut doc = b"RaS2".to_vec();
        doc.extend(pwg_page(10, 50));
        assert_eq!(count(Flavour::Pwg, &doc[..doc.len() - 1], 64), None);
        assert_eq!(count(Flavour::Pwg, b"%PDF-1.7", 64), None);
        // A run longer than the line is malformed.
        let mut bad = b"RaS2".to_vec();
        let mut page = pwg_page(1, 4);
        page.truncate(1796);
        page.extend([0, 4, 1]);
        bad.extend(page);
        assert_eq!(count(Flavour::Pwg, &bad, 64), None);
    }

    #[test]
    fn urf_pages_and_the_fill_rest_of_line_code() {
        let mut doc = b"UNIRAST\0".to_vec();
        doc.extend(2u32.to_be_bytes());
        for _ in 0..2 {
            let mut h = vec![0u8; 32];
            h[0] = 24; // 3 bytes per pixel
            h[12..16].copy_from_slice(&100u32.to_be_bytes());
            h[16..20].copy_from_slice(&3u32.to_be_bytes());
            doc.extend(h);
            // Three lines: one repeated line of two pixels then white to the end (128).
            doc.extend([2, 1, 0, 0, 0, 128]);
        }
        assert_eq!(count(Flavour::Urf, &doc, 5), Some(2));
    }
}
