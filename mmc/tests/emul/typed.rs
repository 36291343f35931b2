//! The same flows through the typed commands of `mmc::cmd` and their reply
//! parsers: the command encoders and the emulator's decoders were written
//! independently from the standard, so each checks the other. Replies are
//! also decoded with the raw helpers of `util` and compared field by field.

use mmc::cmd::{
    self, BgFormatStatus, Blank, BlankType, CloseFunction, CloseTrackSession, Command, DataSpec,
    DescriptorType, DiscStatus, Event, FormatUnit, GetConfiguration, GetEventStatusNotification,
    GetWriteSpeeds, Inquiry, MediaEventCode, ModeSelect10, ModeSense10, PreventAllowMediumRemoval,
    Query, Read10, ReadBufferCapacity, ReadCapacity, ReadDiscInformation, ReadFormatCapacities,
    ReadMultiSessionInfo, ReadRawToc, ReadToc, ReadTrackInformation, RequestSense, ReserveTrack,
    SendCueSheet, SessionState, SetCdSpeed, StartStopUnit, SynchronizeCache, TestUnitReady,
    TocAddress, WithParams, Write10, WriteParameters,
};
use mmc::emul::{Emulator, Media};
use mmc::sense::Sense;
use mmc::{Completion, DataPhase, Profile, Transport};

use crate::util::{self, *};

/// Runs a typed query; panics on anything but GOOD.
#[track_caller]
fn query<Q: Query>(t: &mut impl Transport, q: &Q) -> Q::Reply {
    let DataSpec::In(n) = q.data() else {
        panic!("{} is not a data-in command", Q::NAME);
    };
    let mut buf = vec![0u8; n];
    let c = t
        .execute(q.cdb().as_bytes(), DataPhase::In(&mut buf), q.timeout())
        .unwrap();
    assert!(
        c.is_good(),
        "{}: {:?}",
        Q::NAME,
        Sense::parse(c.sense.as_bytes())
    );
    let got = c.transferred(n);
    q.parse(&buf[..got])
        .unwrap_or_else(|e| panic!("{}: {e}", Q::NAME))
}

/// Runs a typed query and asks again with the full length when the reply
/// says there is more (as the drive layer does).
#[track_caller]
fn query_all<Q: Query>(t: &mut impl Transport, q: &Q) -> Q::Reply {
    let DataSpec::In(n) = q.data() else {
        panic!("{} is not a data-in command", Q::NAME);
    };
    let mut buf = vec![0u8; n];
    let c = t
        .execute(q.cdb().as_bytes(), DataPhase::In(&mut buf), q.timeout())
        .unwrap();
    assert!(c.is_good());
    match q.available_len(&buf[..c.transferred(n)]) {
        Some(len) if len > n => query(t, &q.with_alloc_len(len)),
        _ => q.parse(&buf[..c.transferred(n)]).unwrap(),
    }
}

fn send<C: Command>(t: &mut impl Transport, c: &C) -> Completion {
    assert_eq!(c.data(), DataSpec::None, "{}", C::NAME);
    t.execute(c.cdb().as_bytes(), DataPhase::None, c.timeout())
        .unwrap()
}

fn send_params<C: WithParams>(t: &mut impl Transport, c: &C) -> Completion {
    let p = c.params();
    assert_eq!(c.data(), DataSpec::Out(p.len()), "{}", C::NAME);
    t.execute(c.cdb().as_bytes(), DataPhase::Out(&p), c.timeout())
        .unwrap()
}

#[track_caller]
fn good(c: Completion) {
    assert!(c.is_good(), "{:?}", Sense::parse(c.sense.as_bytes()));
}

fn write(t: &mut impl Transport, lba: i64, blocks: u16) {
    let w = Write10::new(lba as i32, blocks);
    assert_eq!(w.data(), DataSpec::Out(blocks as usize * 2048));
    let data = pattern(lba, blocks as usize);
    good(
        t.execute(w.cdb().as_bytes(), DataPhase::Out(&data), w.timeout())
            .unwrap(),
    );
}

/// Compares the typed and the raw decoding of READ DISC INFORMATION.
fn disc_agrees(t: &mut impl Transport) -> cmd::DiscInformation {
    let typed = query(t, &ReadDiscInformation::new());
    let raw = util::disc_info(t);
    let status = match typed.disc_status {
        DiscStatus::Blank => 0,
        DiscStatus::Appendable => 1,
        DiscStatus::Complete => 2,
        DiscStatus::Other => 3,
    };
    let state = match typed.last_session_state {
        SessionState::Empty => 0,
        SessionState::Incomplete => 1,
        SessionState::Damaged => 2,
        SessionState::Complete => 3,
    };
    assert_eq!(status, raw.status);
    assert_eq!(state, raw.last_session_state);
    assert_eq!(typed.erasable, raw.erasable);
    assert_eq!(typed.sessions as u32, raw.sessions);
    assert_eq!(
        typed.first_track_last_session as u32,
        raw.first_track_last_session
    );
    assert_eq!(
        typed.last_track_last_session as u32,
        raw.last_track_last_session
    );
    typed
}

/// Compares the typed and raw decoding of READ TRACK INFORMATION.
fn track_agrees(t: &mut impl Transport, number: u32) -> cmd::TrackInformation {
    let typed = query(t, &ReadTrackInformation::track(number));
    let raw = util::track_info(t, number);
    assert_eq!(typed.track_number as u32, raw.number);
    assert_eq!(typed.session_number as u32, raw.session);
    assert_eq!(
        (typed.blank, typed.reserved, typed.damage),
        (raw.blank, raw.reserved, raw.damage)
    );
    assert_eq!(typed.nwa(), raw.nwa_v.then_some(raw.nwa as i32));
    assert_eq!(typed.start, raw.start as i32);
    assert_eq!((typed.free_blocks, typed.size), (raw.free, raw.size));
    assert_eq!(typed.lra(), raw.lra_v.then_some(raw.lra as i32));
    typed
}

#[test]
fn every_media_kind_inspects_cleanly() {
    for media in Media::ALL {
        let (_dir, mut emu) = if media.is_rom() {
            let dir = tempfile::tempdir().unwrap();
            let p = dir.path().join("r.iso");
            std::fs::write(&p, vec![7u8; 64 * 2048]).unwrap();
            let e = Emulator::open_with(media, &p, instant()).unwrap();
            (dir, e)
        } else {
            let d = fresh(media);
            (d.dir, d.emu)
        };
        let t = &mut emu;
        good(send(t, &TestUnitReady));
        let inq = query(t, &Inquiry::new());
        assert!(inq.is_mmc() && inq.removable, "{media}");
        assert_eq!(inq.vendor, "BURN");
        let cfg = query_all(t, &GetConfiguration::all());
        assert!(cfg.complete, "{media}: configuration complete");
        assert_eq!(cfg.current_profile, media.initial_profile(), "{media}");
        let current: Vec<Profile> = cfg
            .profiles()
            .iter()
            .filter(|p| p.current)
            .map(|p| p.profile)
            .collect();
        assert_eq!(current, vec![media.initial_profile()]);
        for f in &cfg.features {
            let raw = util::features(t)
                .into_iter()
                .find(|r| r.0 == f.code)
                .unwrap();
            assert_eq!(
                (f.current, &f.data),
                (raw.1, &raw.2),
                "{media}: feature {:04X}h",
                f.code
            );
        }
        disc_agrees(t);
        track_agrees(t, 1);
        let caps = query_all(t, &ReadFormatCapacities::new());
        let (blocks, kind, list) = util::format_caps(t);
        assert_eq!(caps.current.blocks, blocks);
        let k = match caps.current.descriptor_type {
            DescriptorType::Reserved => 0,
            DescriptorType::Unformatted => 1,
            DescriptorType::Formatted => 2,
            DescriptorType::NoMedium => 3,
        };
        assert_eq!(k, kind);
        let typed_list: Vec<(u32, u8, u32)> = caps
            .formattable
            .iter()
            .map(|d| (d.blocks, d.format_type, d.tdp))
            .collect();
        assert_eq!(typed_list, list, "{media}");
        let cap = query(t, &ReadCapacity);
        assert_eq!(cap.block_len, 2048);
        let page = query_all(t, &ModeSense10::capabilities());
        let c = page.capabilities().unwrap();
        assert_eq!(c.buffer_size_kib, Some(4096));
        let speeds = query_all(t, &GetWriteSpeeds { max_descriptors: 0 });
        let from_page: Vec<u32> = c.write_speeds.iter().map(|s| s.speed as u32).collect();
        let from_perf: Vec<u32> = speeds.descriptors.iter().map(|d| d.write_speed).collect();
        assert_eq!(from_page, from_perf, "{media}");
        let b = query(t, &ReadBufferCapacity::new());
        assert_eq!((b.buffer_len, b.free), (4 << 20, 4 << 20));
    }
}

#[test]
fn dvd_r_incremental_through_typed_commands() {
    let mut d = fresh(Media::DvdR);
    let t = &mut d.emu;
    let cfg = query_all(t, &GetConfiguration::all());
    let (f, inc) = cfg.incremental_streaming().unwrap();
    assert!(f.current);
    let link = inc.preferred_link_size().unwrap();
    assert_eq!(link, 16);
    good(send_params(
        t,
        &ModeSelect10::write_parameters(&WriteParameters::dvd_incremental(link, true, false, true)),
    ));
    // the page reads back as selected
    let wp = query_all(t, &ModeSense10::write_parameters())
        .write_parameters()
        .unwrap();
    assert_eq!((wp.packet_size, wp.link_size, wp.fp), (16, 16, true));
    let di = disc_agrees(t);
    let last = di.last_track_last_session as u32;
    let nwa = track_agrees(t, last).nwa().unwrap();
    assert_eq!(nwa, 0);
    for i in 0..4 {
        write(t, nwa as i64 + 16 * i, 16);
    }
    good(send(t, &SynchronizeCache { immed: true }));
    good(send(t, &CloseTrackSession::track(last as u16)));
    good(send(t, &CloseTrackSession::session()));
    let di = disc_agrees(t);
    assert_eq!(
        (di.disc_status, di.sessions, di.complete_sessions()),
        (DiscStatus::Appendable, 2, 1)
    );
    let next = track_agrees(t, di.last_track_last_session as u32);
    assert_eq!(next.session_number, 2);
    assert_eq!(next.nwa(), Some(64 + 30_720));
    // Typed READ(10) of what was written.
    let r = Read10::new(0, 2);
    let mut buf = vec![0u8; 4096];
    good(
        t.execute(r.cdb().as_bytes(), DataPhase::In(&mut buf), r.timeout())
            .unwrap(),
    );
    assert_eq!(buf, pattern(0, 2));
    // TOC formats on DVD: first track of the last complete session.
    let ms = query(t, &ReadMultiSessionInfo::new());
    assert_eq!((ms.last_session, ms.start), (1, TocAddress::Lba(0)));
}

#[test]
fn dvd_r_dao_through_typed_commands() {
    let mut d = fresh(Media::DvdRw);
    let t = &mut d.emu;
    good(send_params(
        t,
        &ModeSelect10::write_parameters(&WriteParameters::dvd_dao(false, true)),
    ));
    good(send(t, &ReserveTrack { blocks: 48 }));
    let t1 = track_agrees(t, 1);
    assert!(t1.reserved && t1.blank);
    for i in 0..3 {
        write(t, 16 * i, 16);
    }
    good(send(t, &SynchronizeCache { immed: false }));
    let di = disc_agrees(t);
    assert_eq!(
        (di.disc_status, di.last_session_state),
        (DiscStatus::Complete, SessionState::Complete)
    );
    // BLANK through the typed command, back to a blank disc.
    good(send(t, &Blank::new(BlankType::Full)));
    good(send(t, &TestUnitReady));
    assert_eq!(disc_agrees(t).disc_status, DiscStatus::Blank);
}

#[test]
fn cd_tao_and_raw_toc_through_typed_commands() {
    let mut d = fresh(Media::CdR);
    let t = &mut d.emu;
    good(send(t, &SetCdSpeed::write_speed(0xFFFF)));
    for (session, blocks) in [(1u8, 400u16), (2, 350)] {
        good(send_params(
            t,
            &ModeSelect10::write_parameters(&WriteParameters::cd_tao_data(true, false, true)),
        ));
        let nwa = query(t, &ReadTrackInformation::invisible()).nwa().unwrap();
        let mut at = 0;
        while at < blocks {
            write(t, nwa as i64 + at as i64, 50);
            at += 50;
        }
        good(send(t, &SynchronizeCache { immed: true }));
        good(send(t, &CloseTrackSession::session()));
        let raw = query_all(t, &ReadRawToc::new());
        assert_eq!(raw.last_session, session);
        let first = raw.first_track_of_session(session).unwrap();
        assert_eq!(raw.track_start(first), Some(nwa));
        let lead_out = raw.session_lead_out(session).unwrap();
        assert_eq!(lead_out, nwa + blocks as i32 + 2, "TAO run-out");
        let gap = if session == 1 { 11_400 } else { 6_900 };
        let next = query(t, &ReadTrackInformation::invisible()).nwa().unwrap();
        assert_eq!(next, lead_out + gap);
        // B0: next possible program area = the next track's pre-gap.
        assert_eq!(raw.next_program_area(session), Some(next - 150));
        let ms = query(t, &ReadMultiSessionInfo::new());
        assert_eq!((ms.last_session, ms.start), (session, TocAddress::Lba(nwa)));
        let toc = query_all(t, &ReadToc::new());
        assert_eq!(
            toc.lead_out().map(|e| e.start),
            Some(TocAddress::Lba(lead_out))
        );
    }
    let di = disc_agrees(t);
    assert_eq!(di.last_possible_lead_out_lba(true), Some(359_847));
    assert_eq!(di.complete_sessions(), 2);
}

#[test]
fn cd_sao_through_typed_commands() {
    let mut d = fresh(Media::CdRw);
    let t = &mut d.emu;
    good(send_params(
        t,
        &ModeSelect10::write_parameters(&WriteParameters::cd_sao(false, false, true)),
    ));
    good(send_params(
        t,
        &SendCueSheet::single_data_track(600).unwrap(),
    ));
    write(t, -150, 150);
    for i in 0..6 {
        write(t, 100 * i, 100);
    }
    good(send(t, &SynchronizeCache { immed: false }));
    let di = disc_agrees(t);
    assert_eq!(di.disc_status, DiscStatus::Complete);
    assert_eq!(di.last_possible_lead_out_lba(true), None);
    let toc = query_all(t, &ReadToc::new());
    assert_eq!(toc.lead_out().map(|e| e.start), Some(TocAddress::Lba(600)));
}

#[test]
fn overwritable_formats_through_typed_commands() {
    // BD-RE: format with the drive's default descriptor.
    let mut d = fresh(Media::BdRe);
    let t = &mut d.emu;
    let caps = query_all(t, &ReadFormatCapacities::new());
    let def = *caps.descriptor(0x00).unwrap();
    good(send_params(t, &FormatUnit::from_descriptor(&def, 0)));
    good(send(t, &TestUnitReady));
    let caps = query_all(t, &ReadFormatCapacities::new());
    assert_eq!(caps.current.descriptor_type, DescriptorType::Formatted);
    assert_eq!(caps.current.blocks, 11_826_176);
    assert_eq!(query(t, &ReadCapacity).blocks(), 11_826_176);

    // DVD+RW: background format, stopped by CLOSE SESSION.
    let mut d = fresh_with(Media::DvdPlusRw, timed());
    let t = &mut d.emu;
    assert_eq!(disc_agrees(t).bg_format_status, BgFormatStatus::None);
    good(send_params(t, &FormatUnit::dvd_plus_rw(false)));
    assert_eq!(disc_agrees(t).bg_format_status, BgFormatStatus::Running);
    good(send(t, &CloseTrackSession::new(CloseFunction::Session)));
    t.advance_clock(std::time::Duration::from_secs(5));
    assert_eq!(disc_agrees(t).bg_format_status, BgFormatStatus::Stopped);
    good(send_params(t, &FormatUnit::dvd_plus_rw(true)));
    assert_eq!(disc_agrees(t).bg_format_status, BgFormatStatus::Running);

    // BD-R formatted with POW: feature 0038h current.
    let mut d = fresh(Media::BdR);
    let t = &mut d.emu;
    let caps = query_all(t, &ReadFormatCapacities::new());
    let def = *caps.descriptor(0x00).unwrap();
    good(send_params(t, &FormatUnit::from_descriptor(&def, 0)));
    assert!(query_all(t, &GetConfiguration::all()).bd_r_pow_current());
    let mut d = fresh(Media::BdR);
    let t = &mut d.emu;
    good(send_params(t, &FormatUnit::from_descriptor(&def, 1)));
    assert!(!query_all(t, &GetConfiguration::all()).bd_r_pow_current());
}

#[test]
fn tray_and_events_through_typed_commands() {
    let mut d = fresh(Media::DvdPlusR);
    let t = &mut d.emu;
    good(send(t, &PreventAllowMediumRemoval::prevent()));
    let c = send(t, &StartStopUnit::eject());
    assert_eq!(
        Sense::parse(c.sense.as_bytes()).map(|s| (s.key.0, s.asc, s.ascq)),
        Some((5, 0x53, 2))
    );
    good(send(t, &PreventAllowMediumRemoval::allow()));
    good(send(t, &StartStopUnit::eject()));
    let ev = query(t, &GetEventStatusNotification::media());
    match ev.event {
        Event::Media(m) => {
            assert_eq!(m.code, MediaEventCode::MediaRemoval);
            assert!(!m.media_present && m.tray_open);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        query_all(t, &GetConfiguration::all()).current_profile,
        Profile::NONE
    );
    good(send(t, &StartStopUnit::load()));
    let c = send(t, &TestUnitReady);
    assert_eq!(
        Sense::parse(c.sense.as_bytes()).map(|s| (s.key.0, s.asc)),
        Some((6, 0x28))
    );
    match query(t, &GetEventStatusNotification::media()).event {
        Event::Media(m) => assert_eq!(m.code, MediaEventCode::NewMedia),
        other => panic!("{other:?}"),
    }
    // REQUEST SENSE when nothing is pending: NO SENSE.
    let s = query(t, &RequestSense::new());
    assert_eq!((s.key.0, s.asc), (0, 0));
}
