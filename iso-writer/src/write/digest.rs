//! The two MD5 computations of an image with checksums (`md5-tags.md` §7):
//! the running MD5 of every block of the session (steps 2–4, 6, 7) and one
//! MD5 per file over exactly its size bytes (step 5).
//!
//! MD5 is strictly sequential (each 64-byte block needs the state left by
//! the previous one) and two states cannot be combined, so the data bytes
//! are hashed twice, once into each chain. Each chain runs on its own
//! thread: the emitting thread fills a [`Chunk`] (reading the input files
//! into it), writes it to the output, then hands the same chunk by
//! reference to both hashers; whichever finishes last returns it to the
//! pool. Nothing is copied, and the chunks in flight bound the memory
//! ([`CHUNKS`] × [`CHUNK`] bytes). With two cores the three threads keep
//! both busy: on an otherwise idle two-core machine emission with MD5
//! takes 1.09 times as long as one MD5 chain over the same bytes
//! (`cargo bench --bench emit`), which no scheduling can beat since the
//! session MD5 is one sequential chain.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use md5::{Digest, Md5 as Md5Hasher};

use super::Error;
use crate::model::Md5;

/// Bytes of one chunk: large enough that the per-chunk cost (one
/// `write`, two channel hand-overs) is negligible, small enough that the
/// chunks in flight stay in the CPU's last-level cache between being
/// filled and being hashed.
pub(super) const CHUNK: usize = 1 << 20;
/// Chunks circulating between the emitting thread and the hashers.
pub(super) const CHUNKS: usize = 4;

/// A piece of the output stream.
#[derive(Debug)]
pub(super) struct Chunk {
    /// [`CHUNK`] bytes; `data[..len]` is filled.
    pub(super) data: Box<[u8]>,
    pub(super) len: usize,
    /// Which parts of `data[..len]` are file contents, in order.
    pub(super) files: Vec<FileOp>,
}

impl Chunk {
    pub(super) fn new() -> Chunk {
        Chunk {
            data: vec![0u8; CHUNK].into_boxed_slice(),
            len: 0,
            files: Vec::new(),
        }
    }

    fn reset(&mut self) {
        self.len = 0;
        self.files.clear();
    }
}

/// What the file hasher does with a chunk.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum FileOp {
    /// `data[from..to]` continues the current file.
    Bytes { from: usize, to: usize },
    /// The current file is complete: its MD5 is entry `slot` of the
    /// checksum array (1-based, as in `isofs.cx`).
    End { slot: u32 },
}

enum SessionMsg {
    Data(Arc<Chunk>),
    /// Reply with the MD5 of everything hashed so far.
    Snapshot(SyncSender<Md5>),
}

enum FileMsg {
    Data(Arc<Chunk>),
    /// Reply with the table of file MD5s (or the first slot outside it).
    Collect(SyncSender<Result<Vec<Md5>, u32>>),
}

/// The emitting thread's end of the two hashers.
#[derive(Debug)]
pub(super) struct Hashers {
    session: SyncSender<SessionMsg>,
    files: SyncSender<FileMsg>,
    pool: Receiver<Chunk>,
}

fn stopped() -> Error {
    Error::Internal("an MD5 thread stopped".into())
}

/// Hands a chunk back to the pool once nobody else holds it.
fn release(chunk: Arc<Chunk>, pool: &SyncSender<Chunk>) {
    if let Some(mut c) = Arc::into_inner(chunk) {
        c.reset();
        // The pool holds every chunk there is, so this never blocks; the
        // emitter may be gone after an error, then the chunk is dropped.
        let _ = pool.send(c);
    }
}

fn session_worker(rx: Receiver<SessionMsg>, pool: SyncSender<Chunk>) {
    let mut h = Md5Hasher::new();
    for msg in rx {
        match msg {
            SessionMsg::Data(c) => {
                h.update(&c.data[..c.len]);
                release(c, &pool);
            }
            SessionMsg::Snapshot(reply) => {
                let _ = reply.send(h.clone().finalize().into());
            }
        }
    }
}

fn file_worker(rx: Receiver<FileMsg>, pool: SyncSender<Chunk>, mut table: Vec<Md5>) {
    let mut h = Md5Hasher::new();
    let mut bad = None;
    for msg in rx {
        match msg {
            FileMsg::Data(c) => {
                for op in &c.files {
                    match *op {
                        FileOp::Bytes { from, to } => h.update(&c.data[from..to]),
                        FileOp::End { slot } => {
                            let digest = h.finalize_reset().into();
                            match (slot as usize)
                                .checked_sub(1)
                                .and_then(|i| table.get_mut(i))
                            {
                                Some(entry) => *entry = digest,
                                None => bad = bad.or(Some(slot)),
                            }
                        }
                    }
                }
                release(c, &pool);
            }
            FileMsg::Collect(reply) => {
                let _ = reply.send(match bad {
                    None => Ok(std::mem::take(&mut table)),
                    Some(slot) => Err(slot),
                });
            }
        }
    }
}

impl Hashers {
    /// Starts both hashers in `scope`; returns them with the first chunk to
    /// fill. `table` holds the file entries 1 … N of the checksum array as
    /// known before emission (MD5s of imported files, of empty files); the
    /// files hashed fill in their own.
    pub(super) fn start<'scope>(
        scope: &'scope std::thread::Scope<'scope, '_>,
        table: Vec<Md5>,
    ) -> Result<(Hashers, Chunk), Error> {
        let (session, session_rx) = sync_channel(CHUNKS);
        let (files, files_rx) = sync_channel(CHUNKS);
        let (pool_tx, pool) = sync_channel(CHUNKS);
        for _ in 1..CHUNKS {
            pool_tx.send(Chunk::new()).map_err(|_| stopped())?;
        }
        let pool_tx2 = pool_tx.clone();
        std::thread::Builder::new()
            .name("md5-session".into())
            .spawn_scoped(scope, move || session_worker(session_rx, pool_tx))
            .map_err(|e| Error::Internal(format!("cannot start the session MD5 thread: {e}")))?;
        std::thread::Builder::new()
            .name("md5-files".into())
            .spawn_scoped(scope, move || file_worker(files_rx, pool_tx2, table))
            .map_err(|e| Error::Internal(format!("cannot start the file MD5 thread: {e}")))?;
        Ok((
            Hashers {
                session,
                files,
                pool,
            },
            Chunk::new(),
        ))
    }

    /// Hands the filled `chunk` (already written to the output) to the
    /// hashers and puts an empty one in its place.
    pub(super) fn pass(&self, chunk: &mut Chunk) -> Result<(), Error> {
        let next = self.pool.recv().map_err(|_| stopped())?;
        let full = Arc::new(std::mem::replace(chunk, next));
        if !full.files.is_empty() {
            self.files
                .send(FileMsg::Data(Arc::clone(&full)))
                .map_err(|_| stopped())?;
        }
        self.session
            .send(SessionMsg::Data(full))
            .map_err(|_| stopped())
    }

    /// MD5 of every chunk passed so far.
    pub(super) fn session_md5(&self) -> Result<Md5, Error> {
        let (tx, rx) = sync_channel(1);
        self.session
            .send(SessionMsg::Snapshot(tx))
            .map_err(|_| stopped())?;
        rx.recv().map_err(|_| stopped())
    }

    /// The table of file MD5s with the files completed in the chunks
    /// passed so far (once; later calls get an empty table).
    pub(super) fn file_md5s(&self) -> Result<Vec<Md5>, Error> {
        let (tx, rx) = sync_channel(1);
        self.files
            .send(FileMsg::Collect(tx))
            .map_err(|_| stopped())?;
        rx.recv()
            .map_err(|_| stopped())?
            .map_err(|slot| Error::Internal(format!("file MD5 for checksum array entry {slot}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn md5(b: &[u8]) -> Md5 {
        Md5Hasher::digest(b).into()
    }

    /// Files split across chunks, several per chunk and empty ones come
    /// out as MD5 of exactly their bytes, entries not hashed keep their
    /// value; the session MD5 covers all.
    #[test]
    fn both_chains() {
        let a: Vec<u8> = (0..CHUNK + 1000).map(|i| (i % 251) as u8).collect();
        let b = b"hello".to_vec();
        std::thread::scope(|s| {
            let imported = md5(b"imported");
            let (h, mut c) = Hashers::start(s, vec![[0; 16], [0; 16], [0; 16], imported]).unwrap();
            let mut all = Vec::new();
            // Header bytes, not part of any file.
            c.data[..10].fill(7);
            c.len = 10;
            // File 1 starts in the first chunk and ends in the second.
            let first = CHUNK - 10;
            c.data[10..].copy_from_slice(&a[..first]);
            c.len = CHUNK;
            c.files.push(FileOp::Bytes {
                from: 10,
                to: CHUNK,
            });
            all.extend_from_slice(&c.data[..c.len]);
            h.pass(&mut c).unwrap();
            assert_eq!(c.len, 0);
            assert!(c.files.is_empty());
            let rest = a.len() - first;
            c.data[..rest].copy_from_slice(&a[first..]);
            c.files.push(FileOp::Bytes { from: 0, to: rest });
            c.files.push(FileOp::End { slot: 1 });
            // File 2 (empty), file 3 whole in this chunk.
            c.files.push(FileOp::End { slot: 2 });
            c.data[rest..rest + 5].copy_from_slice(&b);
            c.files.push(FileOp::Bytes {
                from: rest,
                to: rest + 5,
            });
            c.files.push(FileOp::End { slot: 3 });
            c.len = rest + 5 + 3;
            c.data[rest + 5..c.len].fill(0);
            all.extend_from_slice(&c.data[..c.len]);
            h.pass(&mut c).unwrap();
            assert_eq!(h.session_md5().unwrap(), md5(&all));
            let got = h.file_md5s().unwrap();
            assert_eq!(got, vec![md5(&a), md5(b""), md5(&b), imported]);
            assert!(h.file_md5s().unwrap().is_empty());
        });
    }

    /// A slot outside the table is an internal error, not a panic.
    #[test]
    fn slot_outside_the_table() {
        std::thread::scope(|s| {
            let (h, mut c) = Hashers::start(s, vec![[0; 16]]).unwrap();
            c.len = 1;
            c.files.push(FileOp::Bytes { from: 0, to: 1 });
            c.files.push(FileOp::End { slot: 2 });
            h.pass(&mut c).unwrap();
            assert!(matches!(h.file_md5s(), Err(Error::Internal(_))));
        });
    }
}
