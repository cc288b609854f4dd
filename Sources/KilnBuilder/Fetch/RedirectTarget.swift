import Foundation
import KilnSpec

/// Where a redirect leads, judged like the spec's own URL: `Location` may be relative, and the result must pass
/// ``SafeURL/check(_:)`` (http or https, no credentials, no link-local or metadata host).
enum RedirectTarget {
    static func resolve(location: String, from base: URL) -> Result<URL, BuildError> {
        guard let target = URL(string: location, relativeTo: base)?.absoluteURL else {
            return .failure(.urlRefused(url: location, reason: "the redirect's Location is not a URL"))
        }
        switch SafeURL.check(target.absoluteString) {
        case .success(let url): return .success(url)
        case .failure(let error):
            return .failure(
                .urlRefused(
                    url: target.absoluteString, reason: "redirected from \(base.absoluteString): \(error.message)"))
        }
    }
}
