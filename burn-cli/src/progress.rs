//! Progress of long operations: one generic [`Event`] that any producer
//! fills in (image emission in `mkiso`; the burn engine's callback in the
//! drive commands, mapped by `cmd::drive::event_of`), and a [`Renderer`]
//! that shows it as
//!
//! * an indicatif bar on a terminal (bytes, %, speed in MB/s and ×, our
//!   FIFO and the drive's buffer fill, ETA),
//! * a plain line every few seconds when standard error is not a terminal,
//! * JSON progress events with `--json`,
//! * nothing with `--progress never` or `-q`.
//!
//! The renderer computes speed and ETA itself from the events' `done`
//! values when the producer does not supply a speed.
//!
//! The JSON event's `phase` is one of `scanning`, `writing`, `reading`,
//! `blanking`, `formatting`, `reserving`, `padding`, `syncing`,
//! `closing`, `finalizing`, `waiting` ([`Phase`]; the engine's phases map
//! onto these); `unit` is `bytes` or `ratio`.

use std::collections::VecDeque;
use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{Value, json};

use crate::cli::ProgressMode;
use crate::output::{Ui, duration_text, human_bytes, rate_text};

/// What a long operation is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Reading the input tree and planning an image.
    Scanning,
    /// Sending data to an image file, pipe or drive.
    Writing,
    /// Reading data back (check-read, verify, ls/extract from a disc).
    Reading,
    Blanking,
    Formatting,
    /// RESERVE TRACK or SEND CUE SHEET before writing.
    Reserving,
    /// Writing padding after the data.
    Padding,
    /// SYNCHRONIZE CACHE: the drive empties its buffer onto the disc.
    Syncing,
    /// Closing a track or session.
    Closing,
    /// Finalizing the disc.
    Finalizing,
    /// Waiting for the drive to become ready.
    Waiting,
}

impl Phase {
    pub fn name(self) -> &'static str {
        match self {
            Phase::Scanning => "scanning",
            Phase::Writing => "writing",
            Phase::Reading => "reading",
            Phase::Blanking => "blanking",
            Phase::Formatting => "formatting",
            Phase::Reserving => "reserving",
            Phase::Padding => "padding",
            Phase::Syncing => "syncing",
            Phase::Closing => "closing",
            Phase::Finalizing => "finalizing",
            Phase::Waiting => "waiting",
        }
    }
}

/// What `done` and `total` count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Bytes: sizes and speeds are shown.
    Bytes,
    /// Parts of a whole (e.g. a drive's progress indication out of 65536
    /// while blanking): only the percentage is meaningful.
    Ratio,
}

impl Unit {
    fn name(self) -> &'static str {
        match self {
            Unit::Bytes => "bytes",
            Unit::Ratio => "ratio",
        }
    }
}

/// One progress report.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Event {
    pub phase: Phase,
    pub unit: Unit,
    pub done: u64,
    /// `None` while unknown (a spinner is shown).
    pub total: Option<u64>,
    /// Fill of our buffer between the data source and the drive, 0.0–1.0.
    pub fifo: Option<f64>,
    /// Fill of the drive's buffer (READ BUFFER CAPACITY), 0.0–1.0.
    pub buffer: Option<f64>,
    /// Current speed as measured by the producer; else computed here.
    pub bytes_per_second: Option<f64>,
    /// Current speed as a multiple of the medium's base speed (1x = 176.4
    /// kB/s CD, 1385 kB/s DVD, 4495.5 kB/s BD); only the producer knows the
    /// medium.
    pub speed_x: Option<f64>,
}

impl Event {
    /// An event counting bytes.
    pub fn bytes(phase: Phase, done: u64, total: Option<u64>) -> Event {
        Event {
            phase,
            unit: Unit::Bytes,
            done,
            total,
            fifo: None,
            buffer: None,
            bytes_per_second: None,
            speed_x: None,
        }
    }

    /// An event counting parts of a whole.
    pub fn ratio(phase: Phase, done: u64, total: u64) -> Event {
        Event {
            unit: Unit::Ratio,
            ..Event::bytes(phase, done, Some(total))
        }
    }

    fn fraction(&self) -> Option<f64> {
        match self.total {
            Some(0) => Some(1.0),
            Some(t) => Some((self.done as f64 / t as f64).clamp(0.0, 1.0)),
            None => None,
        }
    }
}

/// Interval of plain progress lines when standard error is not a terminal.
const LINE_EVERY: Duration = Duration::from_secs(5);
/// Interval of JSON progress events.
const JSON_EVERY: Duration = Duration::from_secs(1);
/// Window over which the speed is measured.
const SPEED_WINDOW: Duration = Duration::from_secs(3);

/// The bar being drawn, so that log lines and messages can be printed
/// without tearing it (see [`suspend`]).
static ACTIVE: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// Runs `f` (which prints to standard error) with the progress bar, if
/// any, cleared and redrawn afterwards.
pub fn suspend<R>(f: impl FnOnce() -> R) -> R {
    let bar = ACTIVE.lock().ok().and_then(|g| g.clone());
    match bar {
        Some(b) => b.suspend(f),
        None => f(),
    }
}

enum Target {
    Off,
    /// A bar, drawn even without a terminal when `forced`; created at the
    /// first event of a phase, removed when the phase ends.
    Bar {
        forced: bool,
        bar: Option<ProgressBar>,
    },
    Lines,
    Json,
}

/// Where progress goes for this run.
fn target_for(ui: &Ui) -> Target {
    if ui.quiet || ui.progress == ProgressMode::Never {
        return Target::Off;
    }
    if ui.json {
        return Target::Json;
    }
    let tty = std::io::stderr().is_terminal();
    match (ui.progress, tty) {
        (_, true) => Target::Bar {
            forced: false,
            bar: None,
        },
        (ProgressMode::Always, false) => Target::Bar {
            forced: true,
            bar: None,
        },
        _ => Target::Lines,
    }
}

/// A bar that draws nothing until [`show_bar`] gives it its target (after
/// its style is set: a bar drawn before would show indicatif's default
/// style once).
fn new_bar() -> ProgressBar {
    let bar = ProgressBar::hidden();
    if let Ok(mut g) = ACTIVE.lock() {
        *g = Some(bar.clone());
    }
    bar
}

fn show_bar(bar: &ProgressBar, forced: bool) {
    let target = if forced {
        ProgressDrawTarget::term_like(Box::new(console::Term::stderr()))
    } else {
        ProgressDrawTarget::stderr()
    };
    bar.set_draw_target(target);
}

fn remove_bar(bar: &ProgressBar) {
    bar.finish_and_clear();
    if let Ok(mut g) = ACTIVE.lock() {
        *g = None;
    }
}

/// Shows the progress of one operation.
pub struct Renderer {
    ui: Ui,
    target: Target,
    phase: Option<Phase>,
    phase_start: Instant,
    last_shown: Option<Instant>,
    samples: VecDeque<(Instant, u64)>,
    last: Option<Event>,
    /// The last event was shown (no need to repeat it when finishing).
    last_was_shown: bool,
    lines_printed: bool,
    /// The style of the current bar, if one exists.
    bar_style: Option<BarStyle>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BarStyle {
    Bar,
    Spinner,
}

impl std::fmt::Debug for Renderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Renderer")
            .field("phase", &self.phase)
            .field("last", &self.last)
            .finish_non_exhaustive()
    }
}

impl Renderer {
    pub fn new(ui: &Ui) -> Renderer {
        Renderer {
            ui: *ui,
            target: target_for(ui),
            phase: None,
            phase_start: Instant::now(),
            last_shown: None,
            samples: VecDeque::new(),
            last: None,
            last_was_shown: false,
            lines_printed: false,
            bar_style: None,
        }
    }

    /// True when nothing is shown (producers may skip work for events).
    pub fn is_off(&self) -> bool {
        matches!(self.target, Target::Off)
    }

    /// Reports an event.
    pub fn update(&mut self, ev: Event) {
        if self.is_off() {
            return;
        }
        let now = Instant::now();
        if self.phase != Some(ev.phase) {
            if self.last.is_some() {
                self.finish_phase();
            }
            self.phase = Some(ev.phase);
            self.phase_start = now;
            self.samples.clear();
            self.last_shown = None;
            self.lines_printed = false;
        }
        self.samples.push_back((now, ev.done));
        while self.samples.len() > 2
            && self
                .samples
                .front()
                .is_some_and(|(t, _)| now.duration_since(*t) > SPEED_WINDOW)
        {
            self.samples.pop_front();
        }
        self.last = Some(ev);
        self.last_was_shown = false;
        let due = |every: Duration, last: Option<Instant>| {
            last.is_none_or(|l| now.duration_since(l) >= every)
        };
        if let Target::Bar { forced, bar } = &mut self.target {
            let fresh = bar.is_none();
            let forced = *forced;
            let bar = bar.get_or_insert_with(new_bar).clone();
            self.draw_bar(&bar, &ev);
            if fresh {
                show_bar(&bar, forced);
                bar.tick();
            }
            return;
        }
        match &self.target {
            Target::Off | Target::Bar { .. } => {}
            Target::Lines => {
                // The first line only after one interval: quick operations
                // print nothing.
                let first = self.last_shown.is_none();
                if first {
                    self.last_shown = Some(now);
                } else if due(LINE_EVERY, self.last_shown) {
                    self.print_line(&ev);
                    self.last_shown = Some(now);
                    self.last_was_shown = true;
                }
            }
            Target::Json => {
                if due(JSON_EVERY, self.last_shown) {
                    self.emit_json(&ev);
                    self.last_shown = Some(now);
                    self.last_was_shown = true;
                }
            }
        }
    }

    /// Ends the current phase: the final state is shown once more (JSON
    /// event, a last line if lines were printed), the bar is cleared.
    pub fn finish(&mut self) {
        self.finish_phase();
        self.phase = None;
        if let Target::Bar { bar, .. } = &mut self.target
            && let Some(b) = bar.take()
        {
            remove_bar(&b);
        }
        self.bar_style = None;
    }

    fn finish_phase(&mut self) {
        let Some(ev) = self.last.take() else { return };
        if self.last_was_shown {
            return;
        }
        match &self.target {
            Target::Json => self.emit_json(&ev),
            Target::Lines if self.lines_printed => self.print_line(&ev),
            _ => {}
        }
    }

    /// Speed in bytes/s: the producer's, else measured over the window.
    fn speed(&self, ev: &Event) -> Option<f64> {
        if ev.unit != Unit::Bytes {
            return None;
        }
        if let Some(s) = ev.bytes_per_second {
            return Some(s);
        }
        let (t0, d0) = *self.samples.front()?;
        let (t1, d1) = *self.samples.back()?;
        let span = t1.duration_since(t0).as_secs_f64();
        if span >= 0.5 {
            return Some(d1.saturating_sub(d0) as f64 / span);
        }
        let all = self.phase_start.elapsed().as_secs_f64();
        (all >= 0.5).then(|| ev.done as f64 / all)
    }

    fn eta(&self, ev: &Event) -> Option<Duration> {
        let total = ev.total?;
        let left = total.saturating_sub(ev.done);
        match ev.unit {
            Unit::Bytes => {
                let s = self.speed(ev)?;
                (s > 0.0).then(|| Duration::from_secs_f64(left as f64 / s))
            }
            Unit::Ratio => {
                let f = ev.fraction()?;
                let el = self.phase_start.elapsed().as_secs_f64();
                (f > 0.01).then(|| Duration::from_secs_f64(el * (1.0 - f) / f))
            }
        }
    }

    /// The details after the percentage: sizes, speed, fill levels, ETA.
    fn details(&self, ev: &Event, with_eta: bool) -> String {
        let mut parts: Vec<String> = Vec::new();
        if ev.unit == Unit::Bytes && (ev.done > 0 || ev.total.is_some()) {
            parts.push(match ev.total {
                Some(t) => format!("{} of {}", human_bytes(ev.done), human_bytes(t)),
                None => human_bytes(ev.done),
            });
            if let Some(s) = self.speed(ev) {
                let mut sp = rate_text(s);
                if let Some(x) = ev.speed_x {
                    sp.push_str(&format!(" ({x:.1}x)"));
                }
                parts.push(sp);
            }
        }
        if let Some(f) = ev.fifo {
            parts.push(format!("fifo {:.0}%", f * 100.0));
        }
        if let Some(b) = ev.buffer {
            parts.push(format!("buffer {:.0}%", b * 100.0));
        }
        if with_eta {
            if let Some(eta) = self.eta(ev) {
                parts.push(format!("ETA {}", duration_text(eta)));
            } else if ev.unit == Unit::Ratio || ev.total.is_none() {
                parts.push(duration_text(self.phase_start.elapsed()));
            }
        }
        parts.join(", ")
    }

    fn draw_bar(&mut self, bar: &ProgressBar, ev: &Event) {
        // The style first: a new bar would otherwise be drawn once in
        // indicatif's default style.
        match ev.fraction() {
            Some(_) => {
                if self.bar_style != Some(BarStyle::Bar) {
                    self.bar_style = Some(BarStyle::Bar);
                    bar.set_style(
                        ProgressStyle::with_template(
                            "{prefix:>10.bold} [{bar:30}] {percent:>3}% {msg}",
                        )
                        .unwrap_or_else(|_| ProgressStyle::default_bar())
                        .progress_chars("=> "),
                    );
                    bar.set_length(1000);
                }
            }
            None => {
                if self.bar_style != Some(BarStyle::Spinner) {
                    self.bar_style = Some(BarStyle::Spinner);
                    bar.set_style(
                        ProgressStyle::with_template("{prefix:>10.bold} {spinner} {msg}")
                            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                    );
                    bar.unset_length();
                    bar.enable_steady_tick(Duration::from_millis(200));
                }
            }
        }
        bar.set_prefix(ev.phase.name());
        bar.set_message(self.details(ev, true));
        match ev.fraction() {
            Some(f) => bar.set_position((f * 1000.0) as u64),
            None => bar.tick(),
        }
    }

    fn print_line(&mut self, ev: &Event) {
        let pct = ev
            .fraction()
            .map(|f| format!("{:>3.0}% ", f * 100.0))
            .unwrap_or_default();
        let line = format!("{}: {pct}{}\n", ev.phase.name(), self.details(ev, true));
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
        self.lines_printed = true;
    }

    fn emit_json(&self, ev: &Event) {
        self.ui.emit_json("progress", self.json(ev));
    }

    /// The JSON progress event (without `schema`/`type`).
    pub fn json(&self, ev: &Event) -> Value {
        json!({
            "phase": ev.phase.name(),
            "unit": ev.unit.name(),
            "done": ev.done,
            "total": ev.total,
            "percent": ev.fraction().map(|f| (f * 1000.0).round() / 10.0),
            "fifo": ev.fifo,
            "buffer": ev.buffer,
            "bytes_per_second": self.speed(ev).map(f64::round),
            "speed_x": ev.speed_x,
            "elapsed_seconds": (self.phase_start.elapsed().as_secs_f64() * 10.0).round() / 10.0,
            "eta_seconds": self.eta(ev).map(|d| d.as_secs()),
        })
    }
}

impl Drop for Renderer {
    fn drop(&mut self) {
        if let Target::Bar { bar: Some(b), .. } = &self.target {
            remove_bar(b);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ui() -> Ui {
        Ui {
            json: true,
            quiet: false,
            progress: ProgressMode::Never,
            json_on_stderr: false,
        }
    }

    #[test]
    fn json_event_has_the_pinned_keys() {
        let r = Renderer::new(&ui());
        let mut ev = Event::bytes(Phase::Writing, 1024, Some(4096));
        ev.fifo = Some(0.5);
        ev.speed_x = Some(4.0);
        let v = r.json(&ev);
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "buffer",
                "bytes_per_second",
                "done",
                "elapsed_seconds",
                "eta_seconds",
                "fifo",
                "percent",
                "phase",
                "speed_x",
                "total",
                "unit"
            ]
        );
        assert_eq!(v["percent"], 25.0);
        assert_eq!(v["phase"], "writing");
        assert_eq!(v["unit"], "bytes");
        assert_eq!(v["fifo"], 0.5);
        assert_eq!(v["buffer"], Value::Null);
    }

    #[test]
    fn details_show_sizes_speed_and_fill() {
        let r = Renderer::new(&ui());
        let mut ev = Event::bytes(Phase::Writing, 35 << 20, Some(100 << 20));
        ev.bytes_per_second = Some(12_300_000.0);
        ev.speed_x = Some(8.9);
        ev.fifo = Some(0.95);
        ev.buffer = Some(0.99);
        assert_eq!(
            r.details(&ev, false),
            "35.0 MiB of 100.0 MiB, 12.3 MB/s (8.9x), fifo 95%, buffer 99%"
        );
        let ev = Event::ratio(Phase::Blanking, 16384, 65536);
        assert_eq!(r.details(&ev, false), "");
        assert_eq!(ev.fraction(), Some(0.25));
        assert_eq!(
            Event::bytes(Phase::Writing, 0, Some(0)).fraction(),
            Some(1.0)
        );
    }

    #[test]
    fn off_when_quiet_or_never() {
        let mut u = ui();
        u.json = false;
        assert!(Renderer::new(&u).is_off());
        u.progress = ProgressMode::Always;
        u.quiet = true;
        assert!(Renderer::new(&u).is_off());
    }
}
