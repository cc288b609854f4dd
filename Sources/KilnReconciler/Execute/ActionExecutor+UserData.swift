import KilnSpec

extension ActionExecutor {
    /// A VM's `cloudInit.userData` file, read from the commit being applied (never a work tree) and validated: a
    /// file that is not a `#cloud-config` mapping, is too large, or holds a clear-text secret fails the VM terminally
    /// with `file:line:column` (the path as it is in the repository).
    func readUserData(_ path: String, context: PassContext) async throws -> CloudInitUserData {
        let display = context.specRoot.isEmpty ? path : "\(context.specRoot)/\(path)"
        guard let source else {
            throw ActionFailure(
                .badRequest,
                "this Kiln cannot read files of the repository, so cloudInit.userData \(display) cannot be used")
        }
        let bytes: [UInt8]
        do {
            bytes = try await source.fileReader(commit: context.revision.id).read(path)
        } catch {
            throw ActionFailure(
                .badRequest,
                "cloudInit.userData \(display) cannot be read from commit \(context.revision.id.prefix(12)): \(error)")
        }
        switch CloudInitUserData.parse(bytes, file: display) {
        case .success(let userData): return userData
        case .failure(let error): throw ActionFailure(.badRequest, "cloudInit.userData: \(error)")
        }
    }
}
