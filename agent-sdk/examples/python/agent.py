#!/usr/bin/env python3
"""A small Python agent gated by signoff.

It generates gRPC stubs from proto/signoff/v1/signoff.proto with grpcio-tools, proposes one shell
command to the console, prints the assessment and the decision, and runs the command only when it
is approved, reporting the outcome back. Anything but an approval (denied, expired, withdrawn, the
console unreachable) is not run: exit status 1.

    python3 -m venv .venv && .venv/bin/pip install -r requirements.txt
    .venv/bin/python agent.py --env dev -- ls -la
"""

import argparse
import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import grpc
from grpc_tools import protoc

PROTO_ROOT = Path(__file__).resolve().parents[3] / "proto"
ENVIRONMENTS = ("dev", "staging", "production", "unknown")


def generate_stubs(out_dir):
    """Compiles signoff.proto into `out_dir` and imports the generated modules."""
    include = Path(protoc.__file__).parent / "_proto"
    status = protoc.main([
        "grpc_tools.protoc",
        f"-I{PROTO_ROOT}",
        f"-I{include}",
        f"--python_out={out_dir}",
        f"--grpc_python_out={out_dir}",
        str(PROTO_ROOT / "signoff" / "v1" / "signoff.proto"),
    ])
    if status != 0:
        sys.exit(f"agent.py: could not compile {PROTO_ROOT}/signoff/v1/signoff.proto")
    sys.path.insert(0, str(out_dir))
    from signoff.v1 import signoff_pb2, signoff_pb2_grpc
    return signoff_pb2, signoff_pb2_grpc


def default_socket():
    """The console's socket, found the way the console and the Rust SDK find it."""
    if os.environ.get("SIGNOFF_SOCKET"):
        return os.environ["SIGNOFF_SOCKET"]
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    base = Path(runtime) / "signoff" if runtime else Path(tempfile.gettempdir()) / f"signoff-{os.getuid()}"
    return str(base / "signoff.sock")


def main():
    parser = argparse.ArgumentParser(description="Propose a shell command to signoff; run it only if approved.")
    parser.add_argument("--socket", default=default_socket(), help="the console's socket (default: %(default)s)")
    parser.add_argument("--env", choices=ENVIRONMENTS, default="unknown", help="where the command lands")
    parser.add_argument("--wait", type=int, default=300, help="seconds to wait for a decision")
    parser.add_argument("command", nargs="+", help="the command to run, e.g. -- ls -la")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as stubs:
        pb, pb_grpc = generate_stubs(stubs)
        with grpc.insecure_channel(f"unix://{os.path.abspath(args.socket)}") as channel:
            gate = pb_grpc.AgentGateStub(channel)
            try:
                return propose_and_run(pb, gate, args)
            except grpc.RpcError as error:
                print(f"not run: the console did not answer ({error.code().name}: {error.details()})")
                return 1


def propose_and_run(pb, gate, args):
    session = gate.OpenSession(pb.OpenSessionRequest(session=pb.SessionInfo(
        agent_kind="sdk", agent_name="python-example", workspace=os.getcwd(), pid=os.getpid(),
    )))
    proposal_id = str(uuid.uuid4())
    action = pb.Action(
        shell=pb.ShellCommand(argv=args.command, cwd=os.getcwd()),
        target=pb.Target(environment=pb.Environment.Value(f"ENVIRONMENT_{args.env.upper()}")),
        rationale="the Python example agent was asked to run it",
    )
    decision = None
    try:
        events = gate.Propose(pb.ProposeRequest(
            session_id=session.session_id, proposal_id=proposal_id, action=action, wait_seconds=args.wait,
        ))
        for event in events:
            if event.HasField("assessed"):
                assessment = event.assessed.assessment
                reasons = " ".join(reason.sentence for reason in assessment.reasons)
                print(f"assessed: {pb.Tier.Name(assessment.tier)} ({reasons or 'no rule fired'})")
                if event.assessed.queue_position:
                    print(f"waiting for a person: position {event.assessed.queue_position} in the queue")
            elif event.HasField("decision"):
                decision = event.decision
        if decision is None:
            print("not run: the console closed the stream without a decision")
            return 1
        verdict = pb.Verdict.Name(decision.verdict)
        print(f"decision: {verdict}" + (f": {decision.note}" if decision.note else ""))
        if decision.verdict != pb.VERDICT_APPROVED:
            return 1
        finished = subprocess.run(args.command)
        status = pb.OUTCOME_STATUS_SUCCEEDED if finished.returncode == 0 else pb.OUTCOME_STATUS_FAILED
        gate.ReportOutcome(pb.ReportOutcomeRequest(
            session_id=session.session_id, proposal_id=proposal_id,
            outcome=pb.Outcome(status=status, exit_code=finished.returncode),
        ))
        return finished.returncode
    finally:
        try:
            gate.CloseSession(pb.CloseSessionRequest(session_id=session.session_id))
        except grpc.RpcError:
            pass  # the console has gone; it withdraws the session's proposals itself


if __name__ == "__main__":
    sys.exit(main())
