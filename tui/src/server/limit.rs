//! The largest request the gate reads. tonic refuses a larger message with `OutOfRange`; gRPC
//! says `ResourceExhausted` (what grpc-core clients expect), so the answer is rewritten here with
//! the limit named.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use tonic::body::Body;
use tonic::codegen::{Service, http};
use tonic::server::NamedService;

/// 4 MiB, tonic's own default, stated here so that it is documented and tested: room for a
/// dry-run diff of thousands of lines, refused long before memory matters.
pub const MAX_REQUEST_BYTES: usize = 4 * 1024 * 1024;

/// What tonic's decoder says of a message over the limit (`grpc-message` is percent-encoded).
const TONIC_TOO_LARGE: &[u8] = b"Error,%20decoded%20message%20length%20too%20large";

/// Wraps a gRPC service: a request refused for its size is answered `ResourceExhausted`.
#[derive(Clone)]
pub struct SizeLimited<S>(pub S);

impl<S: NamedService> NamedService for SizeLimited<S> {
    const NAME: &'static str = S::NAME;
}

impl<S, B> Service<http::Request<B>> for SizeLimited<S>
where
    S: Service<http::Request<B>, Response = http::Response<Body>>,
    S::Future: Send + 'static,
{
    type Response = http::Response<Body>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let answer = self.0.call(request);
        Box::pin(async move {
            let mut response = answer.await?;
            // Every RPC of the gate takes one request message, read before anything is answered:
            // a request refused for its size is answered at once, the status in the headers.
            rewrite(response.headers_mut());
            Ok(response)
        })
    }
}

fn rewrite(headers: &mut http::HeaderMap) {
    let too_large = headers.get("grpc-status").is_some_and(|code| code == "11")
        && headers
            .get("grpc-message")
            .is_some_and(|message| message.as_bytes().starts_with(TONIC_TOO_LARGE));
    if too_large {
        headers.insert("grpc-status", http::HeaderValue::from_static("8"));
        headers.insert(
            "grpc-message",
            http::HeaderValue::from_static(
                "the request is over the console's 4 MiB limit: send a shorter summary or dry run",
            ),
        );
    }
}
