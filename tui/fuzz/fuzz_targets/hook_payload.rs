//! The hook adapters' JSON input, for every agent: any bytes give an action or a reason to deny,
//! never a panic (a panicking hook would answer nothing, and the agent's tool would run).
#![no_main]

use libfuzzer_sys::fuzz_target;
use signoff_tui::hooks::{Agent, action_for};

fuzz_target!(|input: &[u8]| {
    for agent in [Agent::ClaudeCode, Agent::Codex, Agent::Cursor, Agent::Gemini] {
        let _ = action_for(agent, input);
    }
});
