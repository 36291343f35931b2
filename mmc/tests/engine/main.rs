//! Integration tests of the burn engine (`mmc::engine`) over the emulated
//! recorder, the fault injector and `stdio:` targets.

mod sequential;
mod util;
