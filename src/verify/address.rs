//! Which resolved addresses verification may connect to. The issuer URL comes from a token in a
//! scanned file, so a hostile token chooses it: without this gate `--verify` would probe the
//! scanning machine's own network (cloud metadata at 169.254.169.254, admin ports on 127.0.0.1).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why an address is refused, for the `unknown` reason; `None` means it is a global address.
pub fn refusal(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => v4_refusal(v4),
        IpAddr::V6(v6) => v6_refusal(v6),
    }
}

fn v4_refusal(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    Some(match (a, b, c) {
        (0, ..) => "unspecified",
        (127, ..) => "loopback",
        (10, ..) | (172, 16..=31, _) | (192, 168, _) => "private",
        // Carrier-grade NAT space reaches other customers' or the provider's machines.
        (100, 64..=127, _) => "private",
        (169, 254, _) => "link-local",
        (224..=239, ..) => "multicast",
        (240..=255, ..) => "reserved",
        (192, 0, 0) | (192, 0, 2) | (198, 51, 100) | (203, 0, 113) | (198, 18..=19, _) => "reserved",
        _ => return None,
    })
}

fn v6_refusal(ip: Ipv6Addr) -> Option<&'static str> {
    let segments = ip.segments();
    let embedded_v4 = |high: u16, low: u16| Ipv4Addr::from((u32::from(high) << 16) | u32::from(low));
    if ip.is_unspecified() {
        return Some("unspecified");
    }
    if ip.is_loopback() {
        return Some("loopback");
    }
    // Forms that carry an IPv4 address are judged by it, or `::ffff:127.0.0.1` walks past.
    if let Some(v4) = ip.to_ipv4_mapped() {
        return v4_refusal(v4);
    }
    match segments {
        // NAT64 (RFC 6052 well-known and RFC 8215 local-use prefixes).
        [0x64, 0xff9b, 0, 0, 0, 0, high, low] => return v4_refusal(embedded_v4(high, low)),
        [0x64, 0xff9b, 1, ..] => return Some("private"),
        // 6to4 carries the IPv4 address in bits 16..48.
        [0x2002, high, low, ..] => return v4_refusal(embedded_v4(high, low)),
        // Deprecated IPv4-compatible addresses (`::a.b.c.d`).
        [0, 0, 0, 0, 0, 0, _, _] => return Some("reserved"),
        _ => {}
    }
    Some(match segments[0] {
        0xfc00..=0xfdff => "private",
        0xfe80..=0xfebf => "link-local",
        // Site-local, deprecated but still routed inside some networks.
        0xfec0..=0xfeff => "private",
        0xff00..=0xffff => "multicast",
        // Documentation, discard-only, and the IETF protocol block (Teredo tunnels included).
        0x2001 if segments[1] == 0x0db8 || segments[1] < 0x0200 => "reserved",
        0x0100 if segments[1..4] == [0, 0, 0] => "reserved",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(text: &str) -> Option<&'static str> {
        refusal(text.parse().expect("an IP address"))
    }

    #[test]
    fn refuses_every_local_ipv4_range() {
        for (ip, why) in [
            ("0.0.0.0", "unspecified"),
            ("127.0.0.1", "loopback"),
            ("127.255.0.9", "loopback"),
            ("10.1.2.3", "private"),
            ("172.16.0.1", "private"),
            ("172.31.255.255", "private"),
            ("192.168.1.1", "private"),
            ("100.64.0.1", "private"),
            ("169.254.169.254", "link-local"),
            ("224.0.0.1", "multicast"),
            ("255.255.255.255", "reserved"),
            ("192.0.2.10", "reserved"),
        ] {
            assert_eq!(refused(ip), Some(why), "{ip}");
        }
    }

    #[test]
    fn allows_global_ipv4_next_to_the_private_ranges() {
        for ip in ["8.8.8.8", "172.15.255.255", "172.32.0.1", "192.169.0.1", "100.128.0.1", "11.0.0.1"] {
            assert_eq!(refused(ip), None, "{ip}");
        }
    }

    #[test]
    fn refuses_local_ipv6_and_ipv4_carried_inside_ipv6() {
        for (ip, why) in [
            ("::", "unspecified"),
            ("::1", "loopback"),
            ("::ffff:127.0.0.1", "loopback"),
            ("::ffff:10.0.0.1", "private"),
            ("::ffff:169.254.169.254", "link-local"),
            ("64:ff9b::a9fe:a9fe", "link-local"),
            ("2002:7f00:1::", "loopback"),
            ("::127.0.0.1", "reserved"),
            ("fd00::1", "private"),
            ("fe80::1", "link-local"),
            ("ff02::1", "multicast"),
            ("2001:db8::1", "reserved"),
            ("2001::1", "reserved"),
        ] {
            assert_eq!(refused(ip), Some(why), "{ip}");
        }
    }

    #[test]
    fn allows_global_ipv6_and_mapped_global_ipv4() {
        for ip in ["2606:4700::1111", "2a00:1450:4001::200e", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::"] {
            assert_eq!(refused(ip), None, "{ip}");
        }
    }
}
