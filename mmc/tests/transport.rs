//! Integration tests of the transport layer: opening things that are not
//! MMC drives through SG_IO, and the tracer's log lines.

#[cfg(target_os = "linux")]
mod sgio_open {
    use std::path::Path;
    use std::time::Duration;

    use mmc::error::{Error, OpenErrorKind};
    use mmc::sgio::{SgIo, SgOpenOptions};

    fn fast() -> SgOpenOptions {
        SgOpenOptions {
            exclusive: false,
            busy_retries: 1,
            busy_delay: Duration::ZERO,
        }
    }

    fn open_kind(path: &Path) -> OpenErrorKind {
        match SgIo::open_with(path, &fast()) {
            Err(Error::Open { path: p, kind }) => {
                assert_eq!(p, path);
                kind
            }
            Err(e) => panic!("{}: unexpected error {e}", path.display()),
            Ok(_) => panic!("{} opened as an SG_IO device", path.display()),
        }
    }

    #[test]
    fn dev_null_is_not_scsi() {
        // A character device whose driver does not know SG ioctls.
        let kind = open_kind(Path::new("/dev/null"));
        assert!(matches!(kind, OpenErrorKind::NotScsi), "{kind:?}");
        let e = SgIo::open("/dev/null", true).err().unwrap();
        assert_eq!(
            e.to_string(),
            "cannot open /dev/null: not a SCSI device (it does not answer SG_IO)"
        );
    }

    #[test]
    fn regular_file_and_directory_are_not_scsi() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("image.iso");
        std::fs::write(&file, [0u8; 4096]).unwrap();
        assert!(matches!(open_kind(&file), OpenErrorKind::NotScsi));
        assert!(matches!(open_kind(dir.path()), OpenErrorKind::NotScsi));
        // Nothing was written to the file.
        assert_eq!(std::fs::read(&file).unwrap(), vec![0u8; 4096]);
    }

    #[test]
    fn missing_node_is_not_found() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("sr9");
        assert!(matches!(open_kind(&missing), OpenErrorKind::NotFound));
        let through_file = dir.path().join("f");
        std::fs::write(&through_file, b"x").unwrap();
        assert!(matches!(
            open_kind(&through_file.join("sr0")),
            OpenErrorKind::NotFound
        ));
    }

    #[test]
    fn fifo_is_not_scsi_and_is_not_opened() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
        // Opening a FIFO read-write would succeed; the type check comes first.
        assert!(matches!(open_kind(&fifo), OpenErrorKind::NotScsi));
    }
}

mod tracer_log {
    use std::sync::{Mutex, OnceLock};
    use std::time::Duration;

    use mmc::trace::Tracer;
    use mmc::transport::{Completion, DataPhase, SenseBuf, Transport, TransportError};

    struct Capture(Mutex<Vec<(log::Level, String, String)>>);

    impl log::Log for Capture {
        fn enabled(&self, _: &log::Metadata<'_>) -> bool {
            true
        }
        fn log(&self, r: &log::Record<'_>) {
            self.0
                .lock()
                .unwrap()
                .push((r.level(), r.target().to_string(), r.args().to_string()));
        }
        fn flush(&self) {}
    }

    fn capture() -> &'static Capture {
        static LOGGER: OnceLock<&'static Capture> = OnceLock::new();
        LOGGER.get_or_init(|| {
            let c: &'static Capture = Box::leak(Box::new(Capture(Mutex::new(Vec::new()))));
            log::set_logger(c).expect("only this test binary sets a logger");
            log::set_max_level(log::LevelFilter::Trace);
            c
        })
    }

    struct Script(Vec<Result<Completion, TransportError>>);

    impl Transport for Script {
        fn execute(
            &mut self,
            _cdb: &[u8],
            data: DataPhase<'_>,
            _timeout: Duration,
        ) -> Result<Completion, TransportError> {
            if let DataPhase::In(b) = data {
                for (i, x) in b.iter_mut().enumerate() {
                    *x = i as u8;
                }
            }
            self.0.remove(0)
        }
        fn describe(&self) -> String {
            "script".into()
        }
    }

    #[test]
    fn lines_in_libburn_format() {
        let log = capture();
        let mut t = Tracer::new(Script(vec![
            Ok(Completion::check(SenseBuf::fixed(5, 0x21, 0x02), 32768)),
            Ok(Completion::good(0)),
            Err(TransportError::DriveLost),
        ]));
        let payload = [0x55u8; 32768];
        let write10 = [0x2A, 0, 0, 0, 0x12, 0x34, 0, 0, 0x10, 0];
        let _ = t.execute(&write10, DataPhase::Out(&payload), Duration::from_secs(200));
        let mut buf = [0u8; 36];
        let _ = t.execute(
            &[0x12, 0, 0, 0, 36, 0],
            DataPhase::In(&mut buf),
            Duration::from_secs(30),
        );
        let _ = t.execute(&[0x00; 6], DataPhase::None, Duration::from_secs(30));

        let lines = log.0.lock().unwrap().clone();
        let text: Vec<&str> = lines
            .iter()
            .filter(|(_, target, _)| target == "mmc::trace")
            .map(|(_, _, m)| m.as_str())
            .collect();
        let find = |needle: &str| {
            text.iter()
                .find(|l| l.contains(needle))
                .unwrap_or_else(|| panic!("no line with {needle:?} in {text:#?}"))
        };
        assert!(find("WRITE(10) CDB= 2a 00 00 00 12 34 00 00 10 00").contains("out 32768 bytes"));
        let failed = find("[5 21 02]");
        assert!(
            failed.contains(
                "[5 21 02] Illegal request. Invalid address for write. CDB= 2a 00 00 00 12 34 00 00 10 00"
            ),
            "{failed}"
        );
        // Only the first 16 payload bytes are shown, at trace level.
        let payload_line = find("data-out");
        assert!(payload_line.ends_with("55 55 55 55 55 55 55 55 55 55 55 55 55 55 55 55 …"));
        assert!(
            lines
                .iter()
                .any(|(lvl, _, m)| *lvl == log::Level::Trace && m.contains("data-out"))
        );
        assert!(find("INQUIRY CDB= 12 00 00 00 24 00").contains("in 36 bytes"));
        assert!(find("data-in 00 01 02 03").ends_with("0e 0f"));
        assert!(find("TEST UNIT READY: transport error").contains("drive went away"));
    }
}
