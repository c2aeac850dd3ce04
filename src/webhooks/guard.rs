//! Outbound URLs: http(s) only, and never (unless allowed for development) an address
//! inside the network: loopback, private, link-local, carrier-grade NAT, unspecified,
//! multicast or documentation ranges, in IPv4, IPv6 or IPv4-mapped form. Checked when
//! a webhook is saved and again before every delivery, after resolving the name.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Whether the address is one the public internet routes to.
pub fn is_global(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_global_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_global_v4(v4),
            None => is_global_v6(v6),
        },
    }
}

fn is_global_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && ip.octets()[2] == 0)
        || (a == 198 && (18..20).contains(&b))
        || a >= 240)
}

fn is_global_v6(ip: Ipv6Addr) -> bool {
    let seg = ip.segments();
    let first = seg[0];
    // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) carry an IPv4 address inside.
    let embedded = if seg[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        Some(Ipv4Addr::new(
            (seg[6] >> 8) as u8,
            seg[6] as u8,
            (seg[7] >> 8) as u8,
            seg[7] as u8,
        ))
    } else if first == 0x2002 {
        Some(Ipv4Addr::new(
            (seg[1] >> 8) as u8,
            seg[1] as u8,
            (seg[2] >> 8) as u8,
            seg[2] as u8,
        ))
    } else {
        None
    };
    if embedded.is_some_and(|v4| !is_global_v4(v4)) {
        return false;
    }
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        || first == 0x2001 && ip.segments()[1] == 0x0db8
        || ip.to_ipv4().is_some_and(|v4| !is_global_v4(v4)))
}

/// Checks a webhook URL's form; `Err` says what is wrong.
pub fn parse(url: &str) -> Result<reqwest::Url, String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("is not a URL ({e})"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err("must be an http or https URL".into());
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err("must name a host".into());
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err("must not carry credentials; use the signing secret".into());
    }
    if url.len() > 2048 {
        return Err("must be at most 2048 characters".into());
    }
    Ok(parsed)
}

/// Resolves the URL's host and refuses it when any address is not global (unless
/// `allow_private`). `Err` says why, for the API or the delivery log.
pub async fn check(url: &reqwest::Url, allow_private: bool) -> Result<(), String> {
    let host = url.host_str().unwrap_or_default().trim_matches(['[', ']']);
    let port = url.port_or_known_default().unwrap_or(443);
    let addrs: Vec<IpAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![ip],
        Err(_) => tokio::time::timeout(
            std::time::Duration::from_secs(5),
            tokio::net::lookup_host((host, port)),
        )
        .await
        .map_err(|_| format!("resolving {host} timed out"))?
        .map_err(|e| format!("cannot resolve {host}: {e}"))?
        .map(|a| a.ip())
        .collect(),
    };
    if addrs.is_empty() {
        return Err(format!("{host} has no addresses"));
    }
    if !allow_private && let Some(bad) = addrs.iter().find(|ip| !is_global(**ip)) {
        return Err(format!(
            "{host} resolves to {bad}, a private, loopback or link-local address \
             (allowed only with DATELINE_WEBHOOKS_ALLOW_PRIVATE=true)"
        ));
    }
    Ok(())
}

/// The delivery client's resolver: answers only with global addresses (unless private
/// targets are allowed), so a name cannot pass [`check`] and then resolve inside the
/// network for the connection itself (DNS rebinding).
pub struct GlobalOnly {
    pub allow_private: bool,
}

impl reqwest::dns::Resolve for GlobalOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found = tokio::time::timeout(
                std::time::Duration::from_secs(5),
                tokio::net::lookup_host((host.as_str(), 0)),
            )
            .await
            .map_err(|_| format!("resolving {host} timed out"))??;
            let addrs: Vec<std::net::SocketAddr> = found
                .filter(|a| allow_private || is_global(a.ip()))
                .collect();
            if addrs.is_empty() {
                return Err(format!("{host} has no public address").into());
            }
            let addrs: reqwest::dns::Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::is_global;

    #[test]
    fn internal_addresses_are_not_global() {
        for internal in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "224.0.0.1",
        ] {
            assert!(!is_global(internal.parse().unwrap()), "{internal}");
        }
        for public in ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111"] {
            assert!(is_global(public.parse().unwrap()), "{public}");
        }
    }
}
