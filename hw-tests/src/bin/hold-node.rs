//! `hold-node NODE…`: opens each device node read-write with `O_EXCL |
//! O_NONBLOCK` — as a burner that knows nothing of a drive's other nodes
//! would — prints `holding NODE` for each, and keeps them open until its
//! standard input ends. The VM lab's `burn-exclusive` check runs it in the
//! guest as "another program" that has one node of a drive (`/dev/srN` or
//! `/dev/sgN`) to itself.
//!
//! Exit status: 0 once standard input has ended, 1 when a node cannot be
//! opened (the reason on standard error), 2 without arguments.

use std::fs::OpenOptions;
use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::process::ExitCode;

fn main() -> ExitCode {
    let nodes: Vec<String> = std::env::args().skip(1).collect();
    if nodes.is_empty() {
        eprintln!("usage: hold-node NODE...   (holds the nodes until standard input ends)");
        return ExitCode::from(2);
    }
    let mut held = Vec::new();
    for node in &nodes {
        match OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_EXCL | libc::O_NONBLOCK)
            .open(node)
        {
            Ok(f) => held.push(f),
            Err(e) => {
                eprintln!("hold-node: cannot open {node}: {e}");
                return ExitCode::from(1);
            }
        }
        println!("holding {node}");
    }
    let _ = std::io::stdout().flush();
    // Until the other end of standard input is closed.
    let mut sink = [0u8; 512];
    let mut stdin = std::io::stdin().lock();
    loop {
        match stdin.read(&mut sink) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    drop(held);
    println!("released");
    ExitCode::SUCCESS
}
