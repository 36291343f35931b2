//! The real multisession backup on every writable medium.

use burn_cli::check::{Verdict, Which};
use burn_cli::media::{self, Layout, Status};
use burn_cli::{no_progress, session};

use crate::util::*;

#[test]
fn smoke_stdio_two_sessions() {
    let mut rig = Rig::new("stdio");
    let s1 = rig.src("s1");
    write_file(&s1.join("a.txt"), 1, 12);
    write_file(&s1.join("sub/b.bin"), 2, 5000);
    let r = session::add(
        rig.rec(),
        &[graft(&s1, None)],
        &add_opts("SESS1"),
        &mut no_progress,
    )
    .unwrap();
    assert_eq!(r.start, 32);
    let s2 = rig.src("s2");
    write_file(&s2.join("c.txt"), 3, 7);
    let r2 = session::add(
        rig.rec(),
        &[graft(&s2, Some("/t2"))],
        &add_opts("SESS2"),
        &mut no_progress,
    )
    .unwrap();
    assert_eq!(r2.start as u64, burn_cli::round_up_32(32 + r.blocks as u64));
    let c = burn_cli::check::check(rig.rec(), Which::All, &mut no_progress).unwrap();
    eprintln!("{}", serde_json::to_string_pretty(&c).unwrap());
    assert_eq!(c.verdict, Verdict::Ok);
    let m = media::inspect(rig.rec()).unwrap();
    assert_eq!(m.layout, Layout::Emulated);
    assert_eq!(m.status, Status::Appendable);
    rig.close();
    let toc = xorriso_toc(&rig.path);
    assert_eq!(
        toc,
        vec![
            (32, r.blocks, "SESS1".into()),
            (r2.start, r2.blocks, "SESS2".into())
        ]
    );
    xorriso_files_match(&rig.path);
    let _ = (Verdict::Ok, Which::All);
}
