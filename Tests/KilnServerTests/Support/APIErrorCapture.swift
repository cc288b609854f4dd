import KilnServer

/// The ``APIError`` a body throws, or nil when it throws nothing (or something else).
func apiError(_ body: () throws -> Void) -> APIError? {
    do {
        try body()
        return nil
    } catch let error as APIError {
        return error
    } catch {
        return nil
    }
}
