//! Slow request bodies time out. A body must arrive within `DATELINE_BODY_TIMEOUT_SECS`
//! plus one second for every `DATELINE_BODY_MIN_RATE` bytes received, so a large
//! upload on a slow line passes while a client trickling bytes to hold a connection
//! (and a worker's memory) gets 408 and the connection closed. The request head has
//! its own limit (`DATELINE_HEADER_TIMEOUT_SECS`, actix-web's client request timeout).

use std::cell::Cell;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::{ConnectionType, Method};
use actix_web::middleware::Next;
use actix_web::rt::time::{Instant, Sleep, sleep_until};
use actix_web::web::{self, Bytes};
use actix_web::{Error, HttpMessage, ResponseError};
use futures_util::Stream;

use crate::config::Settings;
use crate::error::AppError;

/// Wraps the body of every request that may carry one in the deadline.
pub async fn limit(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
    }
    let Some((timeout, min_rate)) = req
        .app_data::<web::Data<Settings>>()
        .map(|s| (s.body_timeout, s.body_min_rate))
    else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
    };
    let expired = Rc::new(Cell::new(false));
    let started = Instant::now();
    let payload = Deadline {
        inner: req.take_payload(),
        started,
        allowance: Allowance { timeout, min_rate },
        received: 0,
        sleep: Box::pin(sleep_until(started + timeout)),
        expired: expired.clone(),
    };
    req.set_payload(Payload::Stream {
        payload: Box::pin(payload),
    });
    let res = next.call(req).await?;
    if !expired.get() {
        return Ok(res.map_into_left_body());
    }
    // Whatever the handler made of the cut-off body, the answer is 408, and the
    // connection is not kept for the rest of the trickle.
    let (req, _) = res.into_parts();
    let error = AppError::RequestTimeout(format!(
        "the request body did not arrive within {} s (plus 1 s per {min_rate} bytes)",
        timeout.as_secs()
    ));
    let mut response = error.error_response();
    response
        .head_mut()
        .set_connection_type(ConnectionType::Close);
    Ok(ServiceResponse::new(req, response).map_into_right_body())
}

/// How long a body of a given size may take.
#[derive(Clone, Copy)]
struct Allowance {
    timeout: Duration,
    min_rate: u64,
}

impl Allowance {
    fn after(self, received: u64) -> Duration {
        self.timeout + Duration::from_secs_f64(received as f64 / self.min_rate.max(1) as f64)
    }
}

struct Deadline {
    inner: Payload,
    started: Instant,
    allowance: Allowance,
    received: u64,
    sleep: Pin<Box<Sleep>>,
    expired: Rc<Cell<bool>>,
}

impl Deadline {
    fn expire(&mut self) -> Poll<Option<Result<Bytes, PayloadError>>> {
        self.expired.set(true);
        Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            "the request body arrived too slowly",
        )))))
    }
}

impl Stream for Deadline {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.expired.get() {
            return Poll::Ready(None);
        }
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(bytes))) => {
                this.received += bytes.len() as u64;
                let deadline = this.started + this.allowance.after(this.received);
                if Instant::now() > deadline {
                    return this.expire();
                }
                this.sleep.as_mut().reset(deadline);
                Poll::Ready(Some(Ok(bytes)))
            }
            Poll::Pending => match this.sleep.as_mut().poll(cx) {
                Poll::Ready(()) => this.expire(),
                Poll::Pending => Poll::Pending,
            },
            done => done,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_large_body_earns_time_a_trickle_does_not() {
        let allowance = Allowance {
            timeout: Duration::from_secs(10),
            min_rate: 16_384,
        };
        assert_eq!(allowance.after(0), Duration::from_secs(10));
        // 50 MB gets 10 s + 3200 s: a 1 Mbit/s line (6.25 MB/min) is fine.
        assert_eq!(allowance.after(50 * 1_048_576), Duration::from_secs(3210));
        // A byte a second never earns a second more.
        assert!(allowance.after(25) < Duration::from_secs(11));
    }
}
