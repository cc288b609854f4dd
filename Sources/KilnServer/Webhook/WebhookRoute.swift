import Hummingbird
import KilnSpec
import Metrics

/// `POST /kiln/v1/hooks/git`, the one route that is not a GET: a signed push to the watched branch wakes the reconcile
/// loop at once instead of at the next `--interval`. It changes nothing else. Its signature is its authentication,
/// so it needs no bearer token.
struct WebhookRoute {
    static let path = "/kiln/v1/hooks/git"

    struct Settings: Sendable {
        var secret: [UInt8]?
        /// The branch the loop follows: the one the last pass read (a remote's default branch is known only after
        /// the first fetch), else the configured one.
        var branch: @Sendable () -> String
        var wake: @Sendable () async -> Void
    }

    static func add(to router: Router<KilnRequestContext>, settings: Settings) {
        router.post(RouterPath(path)) { request, context in
            guard let secret = settings.secret else {
                throw APIError(
                    .notFound, code: "webhook-disabled",
                    "this server takes no webhooks: start kiln serve with --webhook-secret-file")
            }
            let buffer = try await request.body.collect(upTo: context.maxUploadSize)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
            let verdict = PushWebhook.check(
                headers: headers, body: Array(buffer.readableBytesView), secret: secret,
                branch: settings.branch())
            func count(_ provider: String, _ result: String) {
                Counter(
                    label: "kiln_webhook_deliveries_total", dimensions: [("provider", provider), ("result", result)]
                ).increment()
            }
            switch verdict {
            case .push(let provider, let branch):
                count(provider.rawValue, "push")
                await settings.wake()
                return Rendered.json(
                    .object([
                        "status": .string("accepted"),
                        "message": .string("a push to \(branch): reconciling now")
                    ]), status: .accepted
                )
                .response(to: request)
            case .ignored(let provider, let why):
                count(provider.rawValue, "ignored")
                return Rendered.json(
                    .object(["status": .string("ignored"), "message": .string(why)]), status: .accepted
                )
                .response(to: request)
            case .malformed(let provider, let why):
                count(provider.rawValue, "malformed")
                throw APIError(.badRequest, code: "bad-request", why)
            case .unauthorized(let why):
                count("unknown", "unauthorized")
                throw APIError(.unauthorized, code: "unauthorized", why)
            }
        }
    }
}
