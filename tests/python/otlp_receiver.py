"""A real OTLP/gRPC logs receiver, for the tests: the OpenTelemetry project's own protocol package
(opentelemetry-proto, from PyPI) served with grpcio.

`otlp_receiver.py [CERT KEY]`: over TLS with that certificate and key (PEM) when given. Prints
`listening PORT` once it serves on 127.0.0.1, then one JSON line per log record received:
its resource's and its own attributes, flattened to {key: value}, with the event name, body,
severity and timestamp.
"""

import json
import sys
from concurrent import futures

import grpc
from opentelemetry.proto.collector.logs.v1 import logs_service_pb2, logs_service_pb2_grpc


def value(any_value):
    kind = any_value.WhichOneof("value")
    return getattr(any_value, kind) if kind else None


def attributes(pairs):
    return {pair.key: value(pair.value) for pair in pairs}


class Logs(logs_service_pb2_grpc.LogsServiceServicer):
    def Export(self, request, context):
        for resource_logs in request.resource_logs:
            resource = attributes(resource_logs.resource.attributes)
            for scope_logs in resource_logs.scope_logs:
                for record in scope_logs.log_records:
                    line = {
                        "resource": resource,
                        "scope": scope_logs.scope.name,
                        "event_name": getattr(record, "event_name", ""),
                        "time_unix_nano": record.time_unix_nano,
                        "severity_text": record.severity_text,
                        "body": value(record.body),
                        "attributes": attributes(record.attributes),
                    }
                    print(json.dumps(line), flush=True)
        return logs_service_pb2.ExportLogsServiceResponse()


def main():
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    logs_service_pb2_grpc.add_LogsServiceServicer_to_server(Logs(), server)
    if len(sys.argv) == 3:
        with open(sys.argv[1], "rb") as cert, open(sys.argv[2], "rb") as key:
            credentials = grpc.ssl_server_credentials([(key.read(), cert.read())])
        port = server.add_secure_port("127.0.0.1:0", credentials)
    else:
        port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(f"listening {port}", flush=True)
    # Serves until the test closes stdin (or kills it).
    sys.stdin.read()
    server.stop(0)


if __name__ == "__main__":
    main()
