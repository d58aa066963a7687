//! The JWK detector over arbitrary bytes: no panic, findings sit inside the input, and a
//! private-jwk finding never carries the private member's value (the default redacts it).
#![no_main]

use jwtscan::keys::jwk;
use jwtscan::rules::private_jwk;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    jwk::each_key(data, data.len(), &mut |at, key| {
        assert!(at < data.len());
        if let Some(private) = private_jwk::check(key) {
            assert_eq!(private.hit.rule, "private-jwk");
            assert!(private.start <= private.end && private.end <= data.len());
            assert!(private.redacted.contains("[redacted]"), "{}", private.redacted);
        }
    });
});
