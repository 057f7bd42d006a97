//! The issuer's side of an activation, as pure functions: the issuer keeps the state (in its
//! database) between the three steps and calls these.

use crate::{
    ActivationError, CredentialParams, channel_identifier, client_ad, cpace, derive, hex_encode,
    session_id, time_tag,
};
use zeroize::Zeroizing;

/// The server's answer to step 2.
#[derive(Debug, Clone)]
pub struct ServerExchange {
    /// The server's public share.
    pub yb: [u8; cpace::POINT_LEN],
    /// The server's confirmation tag.
    pub tb: [u8; cpace::ISK_LEN],
}

impl ServerExchange {
    /// The JSON body of the answer.
    pub fn to_json(&self, params: &CredentialParams, attempts_left: u32) -> String {
        serde_json::json!({
            "yb": hex_encode(&self.yb),
            "credential": params.to_json(),
            "tb": hex_encode(&self.tb),
            "attempts_left": attempts_left,
        })
        .to_string()
    }
}

/// What the server keeps between step 2 and step 3.
pub struct ServerKeys {
    /// The client's confirmation tag if it used the same code.
    pub expected_ta: [u8; cpace::ISK_LEN],
    /// The key of the tag over the server's time.
    pub finish_key: Zeroizing<[u8; 32]>,
    /// The TOTP secret both sides derive.
    pub secret: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for ServerKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerKeys(<redacted>)")
    }
}

/// Step 2 on the server: the share `ya` of the client, the code the portal issued (`prs`; for an
/// unknown user or a wrong password, a random one no one knows), and `random` for the scalar.
/// `Malformed` when `ya` is not a valid group element or is the identity.
#[allow(clippy::too_many_arguments)]
pub fn server_exchange(
    origin: &str,
    username: &str,
    prs: &[u8],
    client_nonce: &[u8],
    server_nonce: &[u8],
    ya: &[u8],
    params: &CredentialParams,
    random: [u8; 32],
) -> Result<(ServerExchange, ServerKeys), ActivationError> {
    params.check()?;
    let sid = session_id(client_nonce, server_nonce);
    let ci = channel_identifier(username, origin);
    let g = cpace::calculate_generator(prs, &ci, &sid);
    let y = cpace::sample_scalar(random);
    let yb = cpace::scalar_mult(&y, &g);
    let k = cpace::scalar_mult_vfy(&y, ya).ok_or(ActivationError::Malformed {
        what: "ya is not a valid group element",
    })?;
    let ada = client_ad();
    let adb = params.associated_data();
    let isk = cpace::isk(&sid, k.as_slice(), ya, &ada, &yb, &adb);
    let keys = derive(&sid, isk.as_slice(), params);
    let exchange = ServerExchange {
        yb,
        tb: cpace::tag(keys.mac_key.as_slice(), &yb, &adb),
    };
    Ok((
        exchange,
        ServerKeys {
            expected_ta: cpace::tag(keys.mac_key.as_slice(), ya, &ada),
            finish_key: keys.finish_key,
            secret: keys.secret,
        },
    ))
}

/// The tag over the server's time in the answer to step 3.
pub fn finish_tag(finish_key: &[u8], server_time_ms: u64) -> [u8; 32] {
    time_tag(finish_key, server_time_ms)
}

/// The JSON body of the answer to step 1.
pub fn start_body(server_nonce: &[u8], origin: &str) -> String {
    // The origin the server is configured with: an app given another one (`localhost` for
    // `127.0.0.1`) stops here, before the exchange spends an attempt, instead of failing as a
    // wrong code. The app never adopts it: the origin binding is what defeats a relaying portal.
    serde_json::json!({ "session": hex_encode(server_nonce), "origin": origin }).to_string()
}

/// The JSON body of the answer to step 3: the server's time and its tag.
pub fn finish_body(finish_key: &[u8], server_time_ms: u64) -> String {
    serde_json::json!({
        "server_time_ms": server_time_ms,
        "tf": hex_encode(&finish_tag(finish_key, server_time_ms)),
    })
    .to_string()
}
