//! `Reviewer/Watch` with each event encoded once for every screen that watches: the queue
//! shares one [`Shown`] per event among its watchers, and the first screen to send it encodes it
//! for all. Every other call of the reviewers' service goes to tonic's generated server.

use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::future::BoxFuture;
use signoff_protocol::pb::{self, reviewer_server::ReviewerServer};
use tonic::body::Body;
use tonic::codec::{Codec, EncodeBuf, Encoder};
use tonic::codegen::{Service, http};
use tonic::server::{Grpc, NamedService};
use tonic::{Request, Status};
use tonic_prost::prost::Message;
use tonic_prost::prost::bytes::BufMut;
use tonic_prost::{ProstCodec, ProstDecoder};

use super::limit::MAX_REQUEST_BYTES;
use super::reviewer::ReviewerService;
use crate::queue::Shown;
use crate::reviewers::wire;

const WATCH: &str = "/signoff.v1.Reviewer/Watch";

/// The reviewers' service, `Watch` served here.
#[derive(Clone)]
pub struct ReviewerRoutes {
    service: ReviewerService,
    generated: ReviewerServer<ReviewerService>,
}

impl ReviewerRoutes {
    pub fn new(service: ReviewerService) -> ReviewerRoutes {
        ReviewerRoutes {
            generated: ReviewerServer::new(service.clone())
                .max_decoding_message_size(MAX_REQUEST_BYTES),
            service,
        }
    }
}

impl NamedService for ReviewerRoutes {
    const NAME: &'static str = <ReviewerServer<ReviewerService> as NamedService>::NAME;
}

impl Service<http::Request<Body>> for ReviewerRoutes {
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<http::Response<Body>, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        if request.uri().path() != WATCH {
            return Box::pin(self.generated.call(request));
        }
        let service = self.service.clone();
        Box::pin(async move {
            let watch = tower::service_fn(move |request: Request<pb::WatchRequest>| {
                let service = service.clone();
                async move {
                    let events = service.shown(&request).await?;
                    Ok::<_, Status>(tonic::Response::new(events))
                }
            });
            let mut grpc =
                Grpc::new(SharedCodec).apply_max_message_size_config(Some(MAX_REQUEST_BYTES), None);
            Ok(grpc.server_streaming(watch, request).await)
        })
    }
}

/// Reads a `WatchRequest`; writes each [`Shown`] as its `QueueEvent`, encoded once.
struct SharedCodec;

impl Codec for SharedCodec {
    type Encode = Arc<Shown>;
    type Decode = pb::WatchRequest;
    type Encoder = SharedEncoder;
    type Decoder = ProstDecoder<pb::WatchRequest>;

    fn encoder(&mut self) -> SharedEncoder {
        SharedEncoder
    }

    fn decoder(&mut self) -> Self::Decoder {
        ProstCodec::<pb::QueueEvent, pb::WatchRequest>::default().decoder()
    }
}

struct SharedEncoder;

impl Encoder for SharedEncoder {
    type Item = Arc<Shown>;
    type Error = Status;

    fn encode(&mut self, shown: Arc<Shown>, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        let encoded = shown
            .encoded
            .get_or_init(|| wire::to_wire(&shown.event).encode_to_vec());
        dst.put_slice(encoded);
        Ok(())
    }
}
