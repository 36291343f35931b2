//! Emission throughput with and without MD5 tags, CPU only: files from
//! memory, the image into `io::sink()`. Also times one MD5 chain over the
//! same bytes, the floor of what a session MD5 (md5-tags.md §7) costs.
//!
//! ```text
//! cargo bench -p iso-writer --bench emit [-- MIB [RUNS]]   (default 512 MiB, 5 runs)
//! ```

use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use iso_writer::model::{Metadata, Timestamp, mode};
use iso_writer::write::{FileData, Options, Plan, Tree};
use md5::{Digest, Md5};

const FILES: usize = 4;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn plan(data: &Arc<[u8]>, md5: bool) -> Plan {
    let mut tree = Tree::new();
    let root = tree.root();
    let meta = Metadata::new(mode::S_IFREG | 0o644, Timestamp::from_secs(0));
    for i in 0..FILES {
        let name = format!("f{i}.bin");
        tree.add_file(root, name.as_bytes(), &meta, FileData::Memory(data.clone()))
            .expect("add file");
    }
    let mut opts = Options::reproducible(0);
    opts.md5 = md5;
    Plan::new(tree, &opts).expect("plan")
}

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| !a.starts_with('-'));
    let mib: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(512);
    let runs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let per_file = (mib << 20) / FILES;
    let data: Arc<[u8]> = (0..per_file)
        .map(|i| (i as u8).wrapping_mul(151) ^ (i >> 13) as u8)
        .collect();
    let total = (per_file * FILES) as f64;
    let rate = |d: Duration| total / d.as_secs_f64() / 1e6;

    let mut chain = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let mut h = Md5::new();
        for _ in 0..FILES {
            h.update(&data);
        }
        std::hint::black_box(h.finalize());
        chain.push(t.elapsed());
    }
    let chain = median(chain);
    let mut times = [Vec::new(), Vec::new()];
    for _ in 0..runs {
        for (md5, t) in [false, true].into_iter().zip(times.iter_mut()) {
            let p = plan(&data, md5);
            let start = Instant::now();
            p.emit(io::sink()).expect("emit");
            t.push(start.elapsed());
        }
    }
    let [off, on] = times.map(median);
    println!("{mib} MiB in {FILES} files, median of {runs} runs");
    println!(
        "one MD5 chain       {:8.3} s {:7.0} MB/s",
        chain.as_secs_f64(),
        rate(chain)
    );
    println!(
        "emit, MD5 off       {:8.3} s {:7.0} MB/s",
        off.as_secs_f64(),
        rate(off)
    );
    println!(
        "emit, MD5 on        {:8.3} s {:7.0} MB/s",
        on.as_secs_f64(),
        rate(on)
    );
    println!(
        "MD5 on / off {:.2}; MD5 on / one chain {:.2}",
        on.as_secs_f64() / off.as_secs_f64(),
        on.as_secs_f64() / chain.as_secs_f64()
    );
}
