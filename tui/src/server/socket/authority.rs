//! grpc-core's clients (Python's grpcio, Ruby, PHP, C++…) name a Unix socket's path as the
//! HTTP/2 `:authority` of their default channel (`unix:///run/x.sock` sends `run%2Fx.sock`).
//! No URI allows that, and hyper ends such a request (RST_STREAM; INTERNAL at the client). On
//! the Unix socket the authority means nothing, so this reads what a client sends before hyper
//! does: a connection whose first request names a valid authority (tonic, Go, grpcurl…) is
//! passed on untouched from then on; otherwise each request's headers are decoded (HPACK), a
//! malformed authority replaced by `localhost`, and the headers encoded again, as literals that
//! leave the server's compression table empty.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tonic::codegen::http::uri::Authority;

/// `PRI * HTTP/2.0…`, which a client sends before its first frame.
const PREFACE_LEN: usize = 24;
const FRAME_HEADER_LEN: usize = 9;
const HEADERS: u8 = 0x1;
const CONTINUATION: u8 = 0x9;
const END_STREAM: u8 = 0x1;
const END_HEADERS: u8 = 0x4;
const PADDED: u8 = 0x8;
const PRIORITY: u8 = 0x20;
/// HTTP/2's default largest frame, which hyper does not raise.
const MAX_FRAME: usize = 16_384;
/// A header block larger than this goes on as it came, for hyper to refuse.
const MAX_BLOCK: usize = 1 << 20;
/// What a malformed authority becomes.
const AUTHORITY: &[u8] = b"localhost";

/// A client's connection, its requests' authorities made valid.
pub struct Lenient<S> {
    inner: S,
    rewriter: Rewriter,
}

impl<S> Lenient<S> {
    pub fn new(inner: S) -> Lenient<S> {
        Lenient {
            inner,
            rewriter: Rewriter::default(),
        }
    }
}

#[derive(Default)]
enum State {
    #[default]
    Preface,
    /// Reading frames; `rewriting` once a request needed it (then every header block is).
    Frames { rewriting: bool },
    /// Everything passes as it comes.
    Through,
}

/// One request's header block, gathered from its HEADERS and CONTINUATION frames.
struct Block {
    /// The HEADERS frame's stream id, as sent.
    stream: [u8; 4],
    flags: u8,
    priority: Option<[u8; 5]>,
    fragment: Vec<u8>,
    /// The frames as they came.
    raw: Vec<u8>,
}

/// The bytes from the client, turned into the bytes hyper reads. No IO: fed and drained.
struct Rewriter {
    /// From the client, not yet passed on.
    raw: Vec<u8>,
    /// For hyper, from `ready_at` on.
    ready: Vec<u8>,
    ready_at: usize,
    state: State,
    decoder: hpack::Decoder<'static>,
    block: Option<Block>,
}

impl Default for Rewriter {
    fn default() -> Rewriter {
        Rewriter {
            raw: Vec::new(),
            ready: Vec::new(),
            ready_at: 0,
            state: State::default(),
            decoder: hpack::Decoder::new(),
            block: None,
        }
    }
}

impl Rewriter {
    fn feed(&mut self, bytes: &[u8]) {
        self.raw.extend_from_slice(bytes);
        loop {
            match self.state {
                State::Through => {
                    self.ready.append(&mut self.raw);
                    return;
                }
                State::Preface => {
                    if self.raw.len() < PREFACE_LEN {
                        return;
                    }
                    self.ready.extend(self.raw.drain(..PREFACE_LEN));
                    self.state = State::Frames { rewriting: false };
                }
                State::Frames { rewriting } => {
                    if self.raw.len() < FRAME_HEADER_LEN {
                        return;
                    }
                    let len = usize::from(self.raw[0]) << 16
                        | usize::from(self.raw[1]) << 8
                        | usize::from(self.raw[2]);
                    if self.raw.len() < FRAME_HEADER_LEN + len {
                        return;
                    }
                    let frame: Vec<u8> = self.raw.drain(..FRAME_HEADER_LEN + len).collect();
                    self.frame(frame, rewriting);
                }
            }
        }
    }

    /// Everything from here on goes as it came: hyper judges it.
    fn give_up(&mut self, raw: Vec<u8>) {
        self.ready.extend(raw);
        self.state = State::Through;
    }

    fn frame(&mut self, frame: Vec<u8>, rewriting: bool) {
        let (kind, flags) = (frame[3], frame[4]);
        let payload = &frame[FRAME_HEADER_LEN..];
        match (kind, self.block.as_mut()) {
            (HEADERS, None) => {
                let Some((priority, fragment)) = split_headers(flags, payload) else {
                    return self.give_up(frame);
                };
                self.block = Some(Block {
                    stream: [frame[5], frame[6], frame[7], frame[8]],
                    flags,
                    priority,
                    fragment: fragment.to_vec(),
                    raw: frame.clone(),
                });
            }
            (CONTINUATION, Some(block)) => {
                block.fragment.extend_from_slice(payload);
                block.raw.extend_from_slice(&frame);
            }
            (_, None) => {
                self.ready.extend(frame);
                return;
            }
            // A frame inside a header block: the client is wrong, hyper will say so.
            (_, Some(_)) => {
                let mut raw = self.block.take().map(|block| block.raw).unwrap_or_default();
                raw.extend(frame);
                return self.give_up(raw);
            }
        }
        let block = self.block.as_ref().expect("gathering a block");
        if block.fragment.len() > MAX_BLOCK {
            let block = self.block.take().expect("gathering a block");
            return self.give_up(block.raw);
        }
        if flags & END_HEADERS != 0 {
            let block = self.block.take().expect("gathering a block");
            self.finish(block, rewriting);
        }
    }

    fn finish(&mut self, block: Block, rewriting: bool) {
        let Ok(headers) = self.decoder.decode(&block.fragment) else {
            return self.give_up(block.raw);
        };
        let malformed = |(name, value): &(Vec<u8>, Vec<u8>)| {
            name == b":authority" && Authority::try_from(value.as_slice()).is_err()
        };
        if !rewriting && !headers.iter().any(malformed) {
            // The client's compression table and the server's stay the same from here on.
            return self.give_up(block.raw);
        }
        self.state = State::Frames { rewriting: true };
        let mut encoded = Vec::new();
        for header in &headers {
            let value = if malformed(header) {
                AUTHORITY
            } else {
                &header.1
            };
            // A literal field without indexing, its name new, neither string Huffman-coded.
            encoded.push(0);
            for text in [header.0.as_slice(), value] {
                encoded.extend(hpack::encoder::encode_integer(text.len(), 7));
                encoded.extend_from_slice(text);
            }
        }
        self.emit(&block, &encoded);
    }

    /// `encoded` as a HEADERS frame and as many CONTINUATION frames as it needs.
    fn emit(&mut self, block: &Block, encoded: &[u8]) {
        let priority = block.priority.map(Vec::from).unwrap_or_default();
        let first = encoded.len().min(MAX_FRAME - priority.len());
        let (head, mut rest) = encoded.split_at(first);
        let mut flags = block.flags & (END_STREAM | PRIORITY);
        if rest.is_empty() {
            flags |= END_HEADERS;
        }
        self.push_frame(HEADERS, flags, block.stream, &[&priority, head]);
        while !rest.is_empty() {
            let (chunk, after) = rest.split_at(rest.len().min(MAX_FRAME));
            let flags = if after.is_empty() { END_HEADERS } else { 0 };
            self.push_frame(CONTINUATION, flags, block.stream, &[chunk]);
            rest = after;
        }
    }

    fn push_frame(&mut self, kind: u8, flags: u8, stream: [u8; 4], parts: &[&[u8]]) {
        let len: usize = parts.iter().map(|part| part.len()).sum();
        let len = u32::try_from(len).expect("at most MAX_FRAME").to_be_bytes();
        self.ready.extend_from_slice(&len[1..]);
        self.ready.extend_from_slice(&[kind, flags]);
        self.ready.extend_from_slice(&stream);
        for part in parts {
            self.ready.extend_from_slice(part);
        }
    }
}

/// A HEADERS frame's priority fields and header block fragment, its padding dropped.
fn split_headers(flags: u8, payload: &[u8]) -> Option<(Option<[u8; 5]>, &[u8])> {
    let mut payload = payload;
    if flags & PADDED != 0 {
        let (&pad, rest) = payload.split_first()?;
        payload = rest.get(..rest.len().checked_sub(usize::from(pad))?)?;
    }
    if flags & PRIORITY != 0 {
        let (priority, rest) = payload.split_first_chunk::<5>()?;
        return Some((Some(*priority), rest));
    }
    Some((None, payload))
}

impl<S: AsyncRead + Unpin> AsyncRead for Lenient<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let rewriter = &mut this.rewriter;
        loop {
            if rewriter.ready_at < rewriter.ready.len() {
                let ready = &rewriter.ready[rewriter.ready_at..];
                let n = ready.len().min(buf.remaining());
                buf.put_slice(&ready[..n]);
                rewriter.ready_at += n;
                if rewriter.ready_at == rewriter.ready.len() {
                    rewriter.ready.clear();
                    rewriter.ready_at = 0;
                }
                return Poll::Ready(Ok(()));
            }
            if matches!(rewriter.state, State::Through) && rewriter.raw.is_empty() {
                return Pin::new(&mut this.inner).poll_read(cx, buf);
            }
            let mut chunk = [0; 8192];
            let mut read = ReadBuf::new(&mut chunk);
            ready!(Pin::new(&mut this.inner).poll_read(cx, &mut read))?;
            if read.filled().is_empty() {
                // The client is gone: what it sent goes on as it came, then the end.
                let rest = std::mem::take(&mut rewriter.raw);
                rewriter.give_up(rest);
                if rewriter.ready.is_empty() {
                    return Poll::Ready(Ok(()));
                }
                continue;
            }
            rewriter.feed(read.filled());
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Lenient<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

impl<S: tonic::transport::server::Connected> tonic::transport::server::Connected for Lenient<S> {
    type ConnectInfo = S::ConnectInfo;

    fn connect_info(&self) -> Self::ConnectInfo {
        self.inner.connect_info()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

    fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
        let mut frame = u32::try_from(payload.len()).unwrap().to_be_bytes()[1..].to_vec();
        frame.extend([kind, flags]);
        frame.extend(stream.to_be_bytes());
        frame.extend(payload);
        frame
    }

    type Headers = Vec<(Vec<u8>, Vec<u8>)>;

    fn request(authority: &str, path: &str) -> Headers {
        [
            (":method", "POST"),
            (":scheme", "http"),
            (":path", path),
            (":authority", authority),
            ("content-type", "application/grpc"),
        ]
        .iter()
        .map(|(n, v)| (n.as_bytes().to_vec(), v.as_bytes().to_vec()))
        .collect()
    }

    /// The frames hyper reads: each request's headers, decoded as hyper's own decoder would.
    fn read_back(bytes: &[u8]) -> Vec<(u8, u32, Headers)> {
        assert_eq!(&bytes[..PREFACE_LEN], PREFACE);
        let mut decoder = hpack::Decoder::new();
        let mut at = PREFACE_LEN;
        let mut found = Vec::new();
        let mut block: Option<(u8, u32, Vec<u8>)> = None;
        while at < bytes.len() {
            let len = u32::from_be_bytes([0, bytes[at], bytes[at + 1], bytes[at + 2]]) as usize;
            let (kind, flags) = (bytes[at + 3], bytes[at + 4]);
            let stream = u32::from_be_bytes(bytes[at + 5..at + 9].try_into().unwrap());
            let payload = &bytes[at + 9..at + 9 + len];
            assert!(len <= MAX_FRAME);
            match kind {
                HEADERS => {
                    let (_, fragment) = split_headers(flags, payload).unwrap();
                    block = Some((flags, stream, fragment.to_vec()));
                }
                CONTINUATION => block.as_mut().unwrap().2.extend(payload),
                _ => found.push((kind, stream, Vec::new())),
            }
            if matches!(kind, HEADERS | CONTINUATION) && flags & END_HEADERS != 0 {
                let (flags, stream, fragment) = block.take().unwrap();
                found.push((
                    flags & END_STREAM,
                    stream,
                    decoder.decode(&fragment).unwrap(),
                ));
            }
            at += 9 + len;
        }
        found
    }

    /// Feeds `bytes` a few at a time, as a socket may hand them over.
    fn through(bytes: &[u8]) -> Vec<u8> {
        let mut rewriter = Rewriter::default();
        for chunk in bytes.chunks(7) {
            rewriter.feed(chunk);
        }
        rewriter.ready
    }

    #[test]
    fn a_socket_path_as_authority_becomes_localhost_and_the_rest_stays() {
        let mut client = hpack::Encoder::new();
        let mut sent = PREFACE.to_vec();
        sent.extend(frame(0x4, 0, 0, &[]));
        let first = request("tmp%2Fx%2Fsignoff.sock", "/signoff.v1.AgentGate/Propose");
        sent.extend(frame(
            HEADERS,
            END_HEADERS,
            1,
            &client.encode(first.iter().map(|(n, v)| (n.as_slice(), v.as_slice()))),
        ));
        sent.extend(frame(0x0, END_STREAM, 1, b"\0\0\0\0\x02hi"));
        // The second request leans on the client's compression table, padded and prioritised,
        // in two frames.
        let second = request("tmp%2Fx%2Fsignoff.sock", "/grpc.health.v1.Health/Check");
        let block = client.encode(second.iter().map(|(n, v)| (n.as_slice(), v.as_slice())));
        let (one, two) = block.split_at(3);
        let mut payload = vec![2];
        payload.extend([0, 0, 0, 1, 16]);
        payload.extend(one);
        payload.extend([0, 0]);
        sent.extend(frame(HEADERS, PADDED | PRIORITY | END_STREAM, 3, &payload));
        sent.extend(frame(CONTINUATION, END_HEADERS, 3, two));

        let read = read_back(&through(&sent));
        let fixed = |mut headers: Headers| {
            headers[3].1 = b"localhost".to_vec();
            headers
        };
        assert_eq!(
            read,
            vec![
                (0x4, 0, Vec::new()),
                (0, 1, fixed(first)),
                (0x0, 1, Vec::new()),
                (END_STREAM, 3, fixed(second)),
            ]
        );
    }

    #[test]
    fn a_valid_authority_passes_byte_for_byte_from_then_on() {
        let mut client = hpack::Encoder::new();
        let mut sent = PREFACE.to_vec();
        for stream in [1, 3] {
            let headers = request("localhost", "/signoff.v1.AgentGate/Propose");
            sent.extend(frame(
                HEADERS,
                END_HEADERS,
                stream,
                &client.encode(headers.iter().map(|(n, v)| (n.as_slice(), v.as_slice()))),
            ));
        }
        // Even a later bad one: the connection passes through once it started well.
        let bad = request("a%2Fb", "/x");
        sent.extend(frame(
            HEADERS,
            END_HEADERS,
            5,
            &client.encode(bad.iter().map(|(n, v)| (n.as_slice(), v.as_slice()))),
        ));
        assert_eq!(through(&sent), sent);
    }

    #[test]
    fn a_long_header_block_is_split_into_frames_hyper_accepts() {
        let mut client = hpack::Encoder::new();
        let mut headers = request("a%2Fb", "/x");
        headers.push((b"x-big".to_vec(), vec![b'v'; 40_000]));
        let mut sent = PREFACE.to_vec();
        sent.extend(frame(
            HEADERS,
            END_HEADERS | END_STREAM,
            1,
            &client.encode(headers.iter().map(|(n, v)| (n.as_slice(), v.as_slice()))),
        ));
        let read = read_back(&through(&sent));
        assert_eq!(read.len(), 1);
        assert_eq!(read[0].2[3].1, b"localhost");
        assert_eq!(read[0].2[5].1.len(), 40_000);
    }

    #[test]
    fn what_cannot_be_read_goes_on_as_it_came() {
        let mut sent = PREFACE.to_vec();
        sent.extend(frame(HEADERS, END_HEADERS, 1, &[0xff, 0xff, 0xff]));
        sent.extend(frame(0x0, 0, 1, b"after"));
        assert_eq!(through(&sent), sent);
    }
}
