import Hummingbird
import KilnSpec

/// JSON bodies with sorted keys, so equal state gives equal bytes.
enum JSONResponse {
    static func make(_ value: SpecValue, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-cache"
        return Response(
            status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: value.prettyJSON + "\n")))
    }

    /// A short plain-text answer (`/healthz`, `/readyz`), with its content type said.
    static func text(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// An error in the VM builder service's shape: `{"code": "...", "message": "..."}`.
    static func error(_ code: String, _ message: String, status: HTTPResponse.Status) -> Response {
        make(.object(["code": .string(code), "message": .string(message)]), status: status)
    }
}
