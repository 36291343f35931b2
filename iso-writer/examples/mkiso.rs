//! A minimal image maker for trying the writer and for benchmarks:
//!
//! ```text
//! mkiso [-o OUT] [-V VOLID] [--level N] [--no-rr] [--no-joliet] [--no-md5]
//!       [--start LBA] [--epoch SECS] [--head HEADFILE] [--print-size] PATH[=ISO_PATH]...
//! ```
//!
//! `-o -` (default) writes to stdout; a file is synced before exit.

use std::ffi::OsString;
use std::io::Write;

use iso_writer::write::{GraftSpec, IsoLevel, Options, Plan, Tree, WritebackFile};

fn main() {
    if let Err(e) = run() {
        eprintln!("mkiso: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args_os().skip(1);
    let mut out: Option<OsString> = None;
    let mut head: Option<OsString> = None;
    let mut opts = Options::default();
    let mut print_size = false;
    let mut specs = Vec::new();
    while let Some(a) = args.next() {
        let mut val = || args.next().ok_or("missing option value");
        match a.to_str() {
            Some("-o") => out = Some(val()?),
            Some("-V") => opts.ids.volume = val()?.to_string_lossy().into_owned(),
            Some("--level") => {
                opts.level = match val()?.to_str() {
                    Some("1") => IsoLevel::L1,
                    Some("2") => IsoLevel::L2,
                    _ => IsoLevel::L3,
                }
            }
            Some("--no-rr") => opts.rock_ridge = false,
            Some("--no-joliet") => opts.joliet = false,
            Some("--no-md5") => opts.md5 = false,
            Some("--print-size") => print_size = true,
            Some("--start") => opts.start_lba = val()?.to_string_lossy().parse()?,
            Some("--head") => head = Some(val()?),
            Some("--epoch") => {
                let e: i64 = val()?.to_string_lossy().parse()?;
                let keep = opts.clone();
                opts = Options::reproducible(e);
                opts.ids = keep.ids;
                opts.level = keep.level;
                opts.rock_ridge = keep.rock_ridge;
                opts.joliet = keep.joliet;
                opts.md5 = keep.md5;
                opts.start_lba = keep.start_lba;
            }
            _ => specs.push(GraftSpec::parse(&a)),
        }
    }
    let mut tree = Tree::new();
    if let Some(t) = opts.volume_time {
        tree.set_default_time(t);
    }
    for s in &specs {
        tree.graft_spec(s)?;
    }
    let plan = Plan::new(tree, &opts)?;
    if print_size {
        println!("{}", plan.total_blocks());
        return Ok(());
    }
    match out.as_ref().and_then(|o| o.to_str()) {
        None | Some("-") => {
            let stdout = std::io::stdout();
            plan.emit(stdout.lock())?;
        }
        Some(_) => {
            let f = std::fs::File::create(out.as_ref().expect("out"))?;
            plan.emit(WritebackFile::new(&f))?;
            f.sync_all()?;
        }
    }
    if let Some(h) = head {
        std::fs::File::create(h)?.write_all(&plan.emulated_head())?;
    }
    Ok(())
}
