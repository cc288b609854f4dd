import Crypto
import KilnServer
import Testing

/// Push notifications from GitHub, GitLab and Gitea/Forgejo: good, bad and missing signatures, other events and
/// other branches.
@Suite struct PushWebhookTests {
    static let secret = Array("s3cr3t-webhook".utf8)
    static let push = Array(#"{"ref":"refs/heads/main","after":"abc"}"#.utf8)

    static func hmac(_ body: [UInt8], _ key: [UInt8] = secret) -> String {
        Array(HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: key)))
            .map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    static func check(_ headers: [String: String], _ body: [UInt8] = push) -> PushWebhook.Verdict {
        PushWebhook.check(headers: headers, body: body, secret: secret, branch: "main")
    }

    @Test func signedPushesToTheBranchWake() {
        #expect(
            Self.check(["x-github-event": "push", "x-hub-signature-256": "sha256=" + Self.hmac(Self.push)])
                == .push(.github, branch: "main"))
        #expect(
            Self.check(["x-gitea-event": "push", "x-gitea-signature": Self.hmac(Self.push)])
                == .push(.gitea, branch: "main"))
        #expect(
            Self.check(["x-forgejo-event": "push", "x-forgejo-signature": Self.hmac(Self.push)])
                == .push(.gitea, branch: "main"))
        #expect(
            Self.check(["x-gitlab-event": "Push Hook", "x-gitlab-token": "s3cr3t-webhook"])
                == .push(.gitlab, branch: "main"))
        // Upper-case hex from a signer is the same signature.
        #expect(
            Self.check(["x-github-event": "push", "x-hub-signature-256": "sha256=" + Self.hmac(Self.push).uppercased()])
                == .push(.github, branch: "main"))
    }

    @Test(arguments: [
        ["x-github-event": "push", "x-hub-signature-256": "sha256=" + String(repeating: "0", count: 64)],
        ["x-github-event": "push", "x-hub-signature-256": hmac(push)],
        ["x-github-event": "push", "x-hub-signature-256": "sha256=" + hmac(push, Array("other".utf8))],
        ["x-gitea-event": "push", "x-gitea-signature": hmac(Array("{}".utf8))],
        ["x-gitlab-event": "Push Hook", "x-gitlab-token": "s3cr3t-webhooK"],
        ["x-gitlab-event": "Push Hook", "x-gitlab-token": ""],
        ["x-github-event": "push"],
        [:]
    ])
    func badOrMissingSignaturesAreUnauthorized(headers: [String: String]) {
        guard case .unauthorized = Self.check(headers) else {
            Issue.record("accepted: \(headers)")
            return
        }
    }

    @Test func otherEventsAndBranchesAreIgnored() {
        let ping = Array(#"{"zen":"hi"}"#.utf8)
        #expect(
            Self.check(["x-github-event": "ping", "x-hub-signature-256": "sha256=" + Self.hmac(ping)], ping)
                == .ignored(.github, "ping is not a push"))
        let other = Array(#"{"ref":"refs/heads/feature"}"#.utf8)
        #expect(
            Self.check(["x-gitea-event": "push", "x-gitea-signature": Self.hmac(other)], other)
                == .ignored(.gitea, "a push to refs/heads/feature, not to refs/heads/main"))
        let tag = Array(#"{"ref":"refs/tags/main"}"#.utf8)
        #expect(
            Self.check(["x-gitlab-event": "Tag Push Hook", "x-gitlab-token": "s3cr3t-webhook"], tag)
                == .ignored(.gitlab, "Tag Push Hook is not a push"))
    }

    @Test func aSignedPushWithoutARefIsMalformed() {
        let body = Array("not json".utf8)
        #expect(
            Self.check(["x-github-event": "push", "x-hub-signature-256": "sha256=" + Self.hmac(body)], body)
                == .malformed(.github, "a push event's body must be JSON with a \"ref\""))
    }
}
