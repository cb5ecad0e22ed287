//! Generates the signoff.v1 message and service code (`AgentGate`, `Reviewer`) with protox (a protobuf compiler written in
//! Rust), so a machine with only cargo builds it: no system `protoc`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let proto_root = concat!(env!("CARGO_MANIFEST_DIR"), "/../proto");
    let files = ["signoff", "reviewer"].map(|name| format!("{proto_root}/signoff/v1/{name}.proto"));
    for file in &files {
        println!("cargo:rerun-if-changed={file}");
    }
    let descriptors = protox::compile(&files, [proto_root])?;
    // Served by gRPC reflection, so that any client can discover the service.
    let out_dir = std::env::var("OUT_DIR")?;
    std::fs::write(
        format!("{out_dir}/signoff_descriptor.bin"),
        prost::Message::encode_to_vec(&descriptors),
    )?;
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .compile_fds(descriptors)?;
    Ok(())
}
