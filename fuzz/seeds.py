#!/usr/bin/env python3
"""Writes the fuzz targets' starting corpora: every command and statement of the policy's case
table for `classify`, and real hook payload shapes for `hook_payload` (fuzz/README.md)."""
import json
import pathlib
import tomllib

root = pathlib.Path(__file__).resolve().parent.parent
cases = tomllib.loads((root / "tui/src/policy/cases.toml").read_text())["case"]

classify = root / "tui/fuzz/corpus/classify"
classify.mkdir(parents=True, exist_ok=True)
texts = {case.get("command") or case.get("statement") for case in cases} - {None}
for n, text in enumerate(sorted(texts)):
    (classify / f"case-{n:04}").write_text(text)

hooks = root / "tui/fuzz/corpus/hook_payload"
hooks.mkdir(parents=True, exist_ok=True)
payloads = [
    {"session_id": "abc123", "cwd": "/repo", "hook_event_name": "PreToolUse", "tool_name": "Bash",
     "tool_input": {"command": "rm -rf build", "description": "Clean"}, "tool_use_id": "toolu_1"},
    {"session_id": "abc123", "cwd": "/repo", "hook_event_name": "PreToolUse", "tool_name": "Edit",
     "tool_input": {"file_path": "/repo/src/main.rs", "old_string": "a", "new_string": "b"}},
    {"session_id": "abc123", "cwd": "/repo", "hook_event_name": "PreToolUse", "tool_name": "MultiEdit",
     "tool_input": {"file_path": "/repo/a.txt", "edits": [{"old_string": "x", "new_string": "y"}]}},
    {"conversation_id": "c-1", "generation_id": "g-1", "hook_event_name": "beforeShellExecution",
     "command": "git push --force", "cwd": "/repo", "workspace_roots": ["/repo"]},
    {"session_id": "g-1", "cwd": "/repo", "hook_event_name": "BeforeTool",
     "tool_name": "run_shell_command", "tool_input": {"command": "railway volume delete vol-7f3a"}},
]
for n, payload in enumerate(payloads):
    (hooks / f"payload-{n}").write_text(json.dumps(payload))
print(f"{len(texts)} classify seeds, {len(payloads)} hook payload seeds")
