//! Property tests: every reply decoder accepts arbitrary bytes of arbitrary
//! length without panicking, and `available_len` / `larger_alloc_len` never
//! panic either. Replies are untrusted device data.

use proptest::prelude::*;

use super::*;

/// Runs `parse`, `available_len` and `larger_alloc_len` of `q` on `data`
/// and on every prefix length given.
fn exercise<Q: Query>(q: &Q, data: &[u8], cut: usize) {
    for d in [data, &data[..cut.min(data.len())]] {
        let _ = q.parse(d);
        let _ = q.available_len(d);
        let _ = q.larger_alloc_len(d);
        if let Some(n) = q.available_len(d) {
            let _ = q.with_alloc_len(n).cdb();
        }
    }
}

/// Bytes whose first bytes often hold small length fields, so that the
/// length-driven paths (descriptor loops) are reached, not just rejected.
fn reply_bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..max),
        (proptest::collection::vec(any::<u8>(), 0..max), 0u8..4).prop_map(|(mut v, hi)| {
            // Plausible big-endian length fields at the usual places.
            let n = v.len();
            if n >= 4 {
                v[0] = 0;
                v[1] = hi.min(if n > 255 { 1 } else { 0 });
                v[2] = (n >> 8) as u8 & hi;
                v[3] = n as u8;
            }
            v
        }),
    ]
}

fn all_parsers(data: &[u8], cut: usize) {
    exercise(&TestUnitReadyQuery, data, cut);
    exercise(&RequestSense::new(), data, cut);
    exercise(&Inquiry::new(), data, cut);
    exercise(&GetEventStatusNotification::new(), data, cut);
    exercise(&MechanismStatus::new(), data, cut);
    exercise(&GetConfiguration::all(), data, cut);
    exercise(&ReadDiscInformation::new(), data, cut);
    exercise(&ReadTrackInformation::invisible(), data, cut);
    exercise(&ReadCapacity, data, cut);
    exercise(&ReadBufferCapacity::new(), data, cut);
    exercise(&ReadToc::new(), data, cut);
    exercise(
        &ReadToc {
            msf: true,
            ..ReadToc::new()
        },
        data,
        cut,
    );
    exercise(&ReadMultiSessionInfo::new(), data, cut);
    exercise(
        &ReadMultiSessionInfo {
            msf: true,
            alloc: 12,
        },
        data,
        cut,
    );
    exercise(&ReadRawToc::new(), data, cut);
    exercise(&ReadFormatCapacities::new(), data, cut);
    exercise(&ModeSense10::capabilities(), data, cut);
    exercise(&GetPerformance::nominal(true), data, cut);
    exercise(&GetWriteSpeeds::default(), data, cut);
    if let Ok(p) = ModeSense10::new(0x05).parse(data) {
        let _ = p.write_parameters();
        let _ = p.capabilities();
        let _ = p.is_complete();
    }
    let _ = WriteParameters::parse(data);
    let _ = Capabilities::parse(data);
    if let Ok(t) = ReadRawToc::new().parse(data) {
        for s in 0..=2 {
            let _ = t.session_start(s);
            let _ = t.session_lead_out(s);
            let _ = t.next_program_area(s);
        }
    }
    if let Ok(d) = ReadDiscInformation::new().parse(data) {
        let _ = d.last_possible_lead_out_lba(true);
        let _ = d.last_session_lead_in_lba(true);
        let _ = d.complete_sessions();
    }
    if let Ok(t) = ReadTrackInformation::invisible().parse(data) {
        let _ = t.end();
    }
}

/// TEST UNIT READY has no reply; this stand-in keeps the list uniform and
/// checks the trait's default methods on a command without data phase.
#[derive(Debug)]
struct TestUnitReadyQuery;

impl Command for TestUnitReadyQuery {
    const NAME: &'static str = "TEST UNIT READY";
    fn cdb(&self) -> Cdb {
        TestUnitReady.cdb()
    }
    fn data(&self) -> DataSpec {
        TestUnitReady.data()
    }
}

impl Query for TestUnitReadyQuery {
    type Reply = ();
    fn parse(&self, _: &[u8]) -> Result<(), ParseError> {
        Ok(())
    }
    fn with_alloc_len(&self, _: usize) -> Self {
        TestUnitReadyQuery
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn parsers_never_panic(data in reply_bytes(300), cut in 0usize..300) {
        all_parsers(&data, cut);
    }

    #[test]
    fn get_configuration_long_replies_never_panic(data in reply_bytes(4200), cut in 0usize..4200) {
        exercise(&GetConfiguration::all(), &data, cut);
    }

    #[test]
    fn feature_list_of_arbitrary_descriptors(
        feats in proptest::collection::vec(
            (prop_oneof![0u16..0x30, 0x38u16..0x42, Just(0x0107u16), any::<u16>()],
             any::<u8>(),
             proptest::collection::vec(any::<u8>(), 0..40)),
            0..12),
        cut in 0usize..600,
    ) {
        // Well-framed descriptors with arbitrary contents: every feature
        // decoder sees every data length from 0 to 39.
        let mut body = Vec::new();
        for (code, flags, data) in &feats {
            body.extend_from_slice(&code.to_be_bytes());
            body.push(*flags);
            body.push(data.len() as u8);
            body.extend_from_slice(data);
        }
        let mut r = ((body.len() + 4) as u32).to_be_bytes().to_vec();
        r.extend_from_slice(&[0, 0, 0, 0x1B]);
        r.extend_from_slice(&body);
        let c = GetConfiguration::all().parse(&r).unwrap();
        prop_assert_eq!(c.features.len(), feats.len());
        prop_assert!(c.complete);
        let _ = c.profiles();
        let _ = c.incremental_streaming().map(|(_, i)| i.preferred_link_size());
        let _ = c.bd_r_pow_current();
        exercise(&GetConfiguration::all(), &r, cut);
    }

    #[test]
    fn msf_lba_round_trip(lba in -45_150i32..404_850) {
        let m = Msf::from_lba(lba).unwrap();
        prop_assert_eq!(m.to_lba(), lba);
        prop_assert!(m.s < 60 && m.f < 75 && m.m < 100);
    }

    #[test]
    fn msf_any_bytes(m: u8, s: u8, f: u8, lba: i32) {
        let _ = Msf::new(m, s, f).to_lba();
        let _ = Msf::from_lba(lba);
    }

    #[test]
    fn write_parameters_round_trip(
        bufe: bool, ls_v: bool, tw: bool, wt in 0u8..16, ms in 0u8..4, fp: bool,
        copy: bool, tm in 0u8..16, dbt in 0u8..16, link: u8, hac in 0u8..64, sf: u8,
        ps: u32, pause: u16, mcn in proptest::option::of(any::<[u8; 13]>()),
        isrc in proptest::option::of(any::<[u8; 12]>()),
    ) {
        let wp = WriteParameters {
            bufe, ls_v, test_write: tw,
            write_type: mode::WriteType::from_code(wt),
            multi_session: match ms { 0 => MultiSession::NoNextSession,
                1 => MultiSession::NoNextSessionB0, 2 => MultiSession::Reserved,
                _ => MultiSession::NextSessionAllowed },
            fp, copy, track_mode: tm, data_block_type: dbt, link_size: link,
            host_application_code: hac, session_format: sf, packet_size: ps,
            audio_pause_length: pause, mcn, isrc,
            ..WriteParameters::default()
        };
        prop_assert_eq!(WriteParameters::parse(&wp.to_bytes()).unwrap(), wp);
    }
}
