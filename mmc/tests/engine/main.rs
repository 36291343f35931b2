//! Integration tests of the burn engine (`mmc::engine`) over the emulated
//! recorder, the fault injector and `stdio:` targets.

mod blank_format;
mod faults;
mod overwritable;
mod refusals;
mod sequential;
mod targets;
mod tgt;
mod util;
