import Foundation

/// XML or JSON, as a Deltacloud client asks: `format=json|xml` wins; otherwise `Accept`, because the real clients
/// send `Accept: application/json` and no parameter; XML when nothing says otherwise. An `Accept` that allows
/// neither is answered 406.
public enum DeltacloudFormat: Equatable, Sendable {
    case xml, json

    /// Why no format could be chosen: a bad `format` parameter (400), or an `Accept` that allows neither (406).
    public enum Failure: Error, Equatable, Sendable {
        case parameter(QueryParameterError)
        case notAcceptable(String)
    }

    public static func choose(format: String?, accept: String?) throws(Failure) -> DeltacloudFormat {
        if let format {
            switch format.lowercased() {
            case "xml": return .xml
            case "json": return .json
            default:
                throw .parameter(
                    QueryParameterError(
                        name: "format",
                        problem: "must be xml or json (got \(QueryParameters.echo(format)))"))
            }
        }
        guard let accept, !accept.isEmpty else { return .xml }
        var best: (DeltacloudFormat, Double)?
        for item in accept.split(separator: ",") {
            let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            // `Accept: ;` has no media type at all (found by fuzzing: it trapped, and took the server down).
            guard let type = parts.first else { continue }
            let quality = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            guard quality > 0 else { continue }
            let candidate: DeltacloudFormat? =
                switch type {
                case "application/json", "text/json": .json
                case "application/xml", "text/xml", "*/*", "application/*", "text/*": .xml
                default: nil
                }
            if let candidate, quality > (best?.1 ?? -1) { best = (candidate, quality) }
        }
        guard let best else {
            throw .notAcceptable(
                "Accept \(QueryParameters.echo(accept)) allows neither application/xml nor application/json")
        }
        return best.0
    }
}
