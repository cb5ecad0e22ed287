//! Any bytes an agent sends as a proposal: decoded, converted to the domain, or refused with a
//! reason; never a panic. What converts survives the round trip with the same digest.
#![no_main]

use libfuzzer_sys::fuzz_target;
use prost::Message;
use signoff_protocol::{Action, ActionDigest, pb};

fuzz_target!(|bytes: &[u8]| {
    let Ok(request) = pb::ProposeRequest::decode(bytes) else {
        return;
    };
    let Some(wire) = request.action else {
        return;
    };
    let Ok(action) = Action::try_from(wire) else {
        return;
    };
    let again = Action::try_from(pb::Action::from(action.clone())).expect("what converted converts again");
    assert_eq!(again, action);
    assert_eq!(ActionDigest::of(&again), ActionDigest::of(&action));
});
