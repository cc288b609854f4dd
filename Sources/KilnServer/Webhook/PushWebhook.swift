import Crypto
import KilnQuery
import KilnSpec

/// A git host's push notification, checked: GitHub (`X-Hub-Signature-256: sha256=<HMAC>`), GitLab (`X-Gitlab-Token`)
/// and Gitea/Forgejo (`X-Gitea-Signature` / `X-Forgejo-Signature: <HMAC>`), all compared in constant time. Pure:
/// headers, body and secret in, a verdict out.
public enum PushWebhook {
    public enum Provider: String, Sendable {
        case github, gitlab, gitea
    }

    public enum Verdict: Sendable, Equatable {
        /// A signed push to the watched branch: wake the loop.
        case push(Provider, branch: String)
        /// Signed, but nothing to do (another event, another branch).
        case ignored(Provider, String)
        /// Unsigned or wrongly signed.
        case unauthorized(String)
        /// Signed, but not a push event Kiln can read.
        case malformed(Provider, String)
    }

    /// `headers` with lower-case names.
    public static func check(headers: [String: String], body: [UInt8], secret: [UInt8], branch: String) -> Verdict {
        let provider: Provider
        let event: String?
        if let signature = headers["x-hub-signature-256"] {
            guard signature.hasPrefix("sha256="),
                verify(hex: String(signature.dropFirst(7)), body: body, secret: secret)
            else {
                return .unauthorized("X-Hub-Signature-256 does not match the body signed with the webhook secret")
            }
            provider = .github
            event = headers["x-github-event"]
        } else if let signature = headers["x-gitea-signature"] ?? headers["x-forgejo-signature"] {
            guard verify(hex: signature, body: body, secret: secret) else {
                return .unauthorized("X-Gitea-Signature does not match the body signed with the webhook secret")
            }
            provider = .gitea
            event = headers["x-gitea-event"] ?? headers["x-forgejo-event"]
        } else if let token = headers["x-gitlab-token"] {
            guard ConstantTime.equal(Array(token.utf8), secret) else {
                return .unauthorized("X-Gitlab-Token is not the webhook secret")
            }
            provider = .gitlab
            event = headers["x-gitlab-event"]
        } else {
            return .unauthorized("the request is not signed (X-Hub-Signature-256, X-Gitlab-Token or X-Gitea-Signature)")
        }
        let isPush =
            switch provider {
            case .github, .gitea: event?.lowercased() == "push"
            case .gitlab: event?.lowercased() == "push hook"
            }
        guard isPush else { return .ignored(provider, "\(event ?? "an event without a type") is not a push") }
        guard let json = try? JSONReader.parse(String(decoding: body, as: UTF8.self)).specValue,
            let ref = json["ref"]?.string
        else {
            return .malformed(provider, "a push event's body must be JSON with a \"ref\"")
        }
        guard ref == "refs/heads/\(branch)" else {
            return .ignored(provider, "a push to \(ref), not to refs/heads/\(branch)")
        }
        return .push(provider, branch: branch)
    }

    static func verify(hex: String, body: [UInt8], secret: [UInt8]) -> Bool {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: secret))
        let expected = Array(mac).map { byte in (byte < 16 ? "0" : "") + String(byte, radix: 16) }.joined()
        return ConstantTime.equal(Array(hex.lowercased().utf8), Array(expected.utf8))
    }
}
