"""grpcurl's way from Python: discover the console's API by reflection, then call it with
messages built from the descriptors it served. Over grpcio's default channel to the Unix socket,
with no channel options. Prints what it found; exits non-zero when anything fails."""
import sys

import grpc
from google.protobuf.descriptor_pool import DescriptorPool
from google.protobuf.message_factory import GetMessageClass
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)

with grpc.insecure_channel(f"unix://{sys.argv[1]}") as channel:
    database = ProtoReflectionDescriptorDatabase(channel)
    print("services:", " ".join(sorted(database.get_services())))
    gate = DescriptorPool(database).FindServiceByName("signoff.v1.AgentGate")
    method = gate.FindMethodByName("OpenSession")
    request_class = GetMessageClass(method.input_type)
    response_class = GetMessageClass(method.output_type)
    request = request_class()
    request.session.agent_kind = "python-reflection"
    request.session.agent_name = "reflected"
    open_session = channel.unary_unary(
        f"/{gate.full_name}/{method.name}",
        request_serializer=request_class.SerializeToString,
        response_deserializer=response_class.FromString,
    )
    response = open_session(request, timeout=10)
    print("session:", response.session_id)
