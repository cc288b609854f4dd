/// A query string that cannot be read, or a parameter whose value is not allowed. The server answers it as 400
/// `bad-request`; `message` names the parameter and says what it must be.
public struct QueryParameterError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The parameter at fault, or nil when the query string as a whole is malformed.
    public var name: String?
    public var problem: String

    public init(name: String?, problem: String) {
        self.name = name
        self.problem = problem
    }

    /// The name is shortened like every echoed value (``QueryParameters/echo(_:)``): a client's name can be huge.
    public var message: String { name.map { "query parameter \(QueryParameters.echo($0)): \(problem)" } ?? problem }
    public var description: String { message }
}
